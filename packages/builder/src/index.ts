// @imagebuild/builder: nothing is exported until its issue lands.
export {};
