export type {
  ConverterConfig,
  ConverterDisk,
  ConverterFilesystem,
  ConverterInstaller,
  ConverterIso,
  ConverterLogicalVolume,
  ConverterPartition,
  ConverterSubvolume,
  ConverterUser,
  RootFilesystem,
} from './config.js';
export { converterConfigHasSecret, converterConfigJson } from './config-json.js';
export { BIB_IMAGE_TYPES, isBibImageType, normalizeArch, type BibImageType } from './image-types.js';
export { ConverterStageTracker, countStages, type ConverterStage } from './stage-progress.js';
export {
  validateConverterRequest,
  type ConverterFieldNames,
  type ConverterRequest,
} from './validate.js';
