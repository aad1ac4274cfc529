// @imagebuild/runner-docker: nothing is exported until its issue lands.
export {};
