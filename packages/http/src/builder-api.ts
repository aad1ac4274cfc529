import type { ImageBuilder } from '@imagebuild/builder';

/** The builder methods the adapter uses (an `ImageBuilder`, or a stand-in with these methods). */
export type BuilderApi = Pick<
  ImageBuilder,
  'create' | 'apply' | 'get' | 'list' | 'delete' | 'cancel' | 'newVersion' | 'logs' | 'readLog' | 'openExport'
> &
  Partial<Pick<ImageBuilder, 'sbom' | 'sboms'>>;
