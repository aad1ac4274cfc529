import type { CallOptions, TransferProgress } from '@imagebuild/core/operation';

/** Options of `ImageBuilder.download()`. */
export interface DownloadOptions extends CallOptions {
  /** Called as bytes arrive (`bytesDone`, `bytesTotal`). */
  onProgress?: ((progress: TransferProgress) => void) | undefined;
}
