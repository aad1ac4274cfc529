// @imagebuild/testkit: nothing is exported until its issue lands.
export {};
