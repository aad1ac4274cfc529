// @imagebuild/http: the node:http adapter (issue 7).
export {};
