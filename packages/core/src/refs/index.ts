// @imagebuild/core/refs — image references (`registry/repository[:tag][@digest]`).
export { DOCKER_HUB, parseImageRef, formatImageRef, imageReferenceFor, type ImageRef } from './image-ref.js';
