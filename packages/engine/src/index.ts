// @imagebuild/engine: nothing is exported until its issue lands.
export {};
