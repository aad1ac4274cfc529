// @imagebuild/core: nothing is exported until its issue lands.
export {};
