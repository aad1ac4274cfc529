export type { BuildEvents, BuildPhase, BuildProgress, ExportEvents, ExportPhase, ExportProgress } from './events.js';
export type { BuildResult, CleanupReport, EngineInfo, ExportResult, RunnerResource } from './results.js';
export {
  DEFAULT_CONVERTER_IMAGE,
  RUNNER_JOB_LABEL,
  BUILD_KEY_LABEL,
  type ConverterConfig,
  type ConverterFilesystem,
  type ConverterUser,
  type DockerBuilder,
  type RootFilesystem,
  type RunnerBuildOptions,
  type RunnerCallOptions,
  type RunnerExportOptions,
  type RunnerJobOptions,
} from './options.js';
export type { BuildOperation, ExportOperation, Runner } from './runner.js';
export {
  SBOM_MEDIA_TYPE,
  type ImageFileEntry,
  type ImageFileReader,
  type SbomDocument,
  type SbomGenerator,
  type SbomInput,
  type SbomOptions,
  type SbomResult,
} from './sbom.js';
export type { ImageSigner, SignatureResult, SigningOptions } from './signing.js';
// Converter (bootc-image-builder) options, rules and progress: part of the runner contract.
export {
  BIB_IMAGE_TYPES,
  ConverterStageTracker,
  converterConfigHasSecret,
  converterConfigJson,
  countStages,
  isBibImageType,
  normalizeArch,
  validateConverterRequest,
  type BibImageType,
  type ConverterDisk,
  type ConverterFieldNames,
  type ConverterInstaller,
  type ConverterIso,
  type ConverterLogicalVolume,
  type ConverterPartition,
  type ConverterRequest,
  type ConverterStage,
  type ConverterSubvolume,
} from '../converter/index.js';
