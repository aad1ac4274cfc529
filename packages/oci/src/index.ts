// @imagebuild/oci: nothing is exported until its issue lands.
export {};
