import type {
  components as ImageBuilderComponents,
  paths as ImageBuilderPaths,
} from './generated/imagebuilder-v1alpha1.js';
import type { components as CoreComponents, paths as CorePaths } from './generated/core-v1beta1.js';

type IB = ImageBuilderComponents['schemas'];
type Core = CoreComponents['schemas'];

export type { ImageBuilderPaths, CorePaths };

export type ImageBuild = IB['ImageBuild'];
export type ImageBuildList = IB['ImageBuildList'];
export type ImageBuildSpec = IB['ImageBuildSpec'];
export type ImageBuildNewVersionRequest = IB['ImageBuildNewVersionRequest'];
export type ImageExport = IB['ImageExport'];
export type ImageExportList = IB['ImageExportList'];
export type ImagePromotion = IB['ImagePromotion'];
export type ImagePromotionList = IB['ImagePromotionList'];
export type PatchRequest = IB['PatchRequest'];
export type Status = IB['Status'];
export type Condition = IB['Condition'];
export type ExportFormat = IB['ExportFormat'];
export type Repository = Core['Repository'];
export type RepositoryList = Core['RepositoryList'];
export type CertificateSigningRequest = Core['CertificateSigningRequest'];
export type WireEnrollmentConfig = Core['EnrollmentConfig'];
export type CoreStatus = Core['Status'];

// Options every call takes: core's shape, one for every package.
export type { CallOptions } from '@imagebuild/core/operation';
