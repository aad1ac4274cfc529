// @imagebuild/runner-podman: nothing is exported until its issue lands.
export {};
