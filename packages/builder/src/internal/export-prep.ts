import type { Logger } from '@imagebuild/core';
import type { ImageBuilderOptions } from '../options.js';
import { jobKey } from './context.js';
import type { JobQueue } from './job-queue.js';

/**
 * While a build runs here and an export waits for it, its runner pulls the converter image (the
 * export's largest set-up step on an engine's first export), so the export converts as soon as the
 * build completes. Best effort: the export reports what fails.
 */
export function prepareWaitingExport(
  queue: JobQueue,
  buildRef: string,
  options: ImageBuilderOptions,
  logger: Logger,
): void {
  const build = queue.running.get(jobKey('ImageBuild', buildRef));
  build?.slot.runner
    .prepareExport?.({ converterImage: options.exportOptions?.converterImage })
    .catch((err: unknown) =>
      logger.debug('preparing an export ahead of its build failed', { build: buildRef, error: err }),
    );
}
