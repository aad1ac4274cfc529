// @imagebuild/client: nothing is exported until its issue lands.
export {};
