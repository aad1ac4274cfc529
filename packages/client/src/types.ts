import type {
  components as ImageBuilderComponents,
  paths as ImageBuilderPaths,
} from './generated/imagebuilder-v1alpha1.js';
import type { components as CoreComponents, paths as CorePaths } from './generated/core-v1beta1.js';

/** Schemas of the image-builder API (v1alpha1). */
type IB = ImageBuilderComponents['schemas'];
/** Schemas of the core Flight Control API (v1beta1). */
type Core = CoreComponents['schemas'];

export type { ImageBuilderPaths, CorePaths };

/** An image build: a bootc image with the Flight Control agent, built from `source`, pushed to `destination`. */
export type ImageBuild = IB['ImageBuild'];
/** One page of image builds (`items`, `metadata.continue`). */
export type ImageBuildList = IB['ImageBuildList'];
/** What an image build makes: source image, destination, agent binding, user configuration. */
export type ImageBuildSpec = IB['ImageBuildSpec'];
/** Body of `imageBuilds.newVersion`: the new build's name and optional source/destination tags. */
export type ImageBuildNewVersionRequest = IB['ImageBuildNewVersionRequest'];
/** An image export: a built image converted to a disk image format. */
export type ImageExport = IB['ImageExport'];
/** One page of image exports. */
export type ImageExportList = IB['ImageExportList'];
/** An image promotion: a build (and chosen export formats) published to a new or existing catalog item. */
export type ImagePromotion = IB['ImagePromotion'];
/** One page of image promotions. */
export type ImagePromotionList = IB['ImagePromotionList'];
/** RFC 6902 JSON Patch operations (body of `imagePromotions.patch`). */
export type PatchRequest = IB['PatchRequest'];
/** The image-builder API's `Status` body (errors and delete results). */
export type Status = IB['Status'];
/** One aspect of a resource's state; these resources use only `Ready`. */
export type Condition = IB['Condition'];
/** A disk image format an export can produce (`qcow2`, `vmdk`, `iso`, …). */
export type ExportFormat = IB['ExportFormat'];
/** A core API Repository resource (an OCI registry that builds read from and push to). */
export type Repository = Core['Repository'];
/** One page of repositories. */
export type RepositoryList = Core['RepositoryList'];
/** A core API CSR resource (used by `requestEnrollmentConfig`). */
export type CertificateSigningRequest = Core['CertificateSigningRequest'];
/** The core API's `/enrollmentconfig` body as sent (core's `EnrollmentConfig` is the parsed form). */
export type WireEnrollmentConfig = Core['EnrollmentConfig'];
/** The core API's `Status` body (errors and delete results). */
export type CoreStatus = Core['Status'];

// Options every call takes: core's shape, one for every package.
export type { CallOptions } from '@imagebuild/core/operation';
