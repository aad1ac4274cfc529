import { getReadyReason } from '@imagebuild/core/lifecycle';
import type { BuilderContext } from './context.js';
import { jobKey } from './context.js';
import { setPhase } from './writes.js';

/** Why an export cannot run: its build failed, was canceled, or is gone. */
export type BuildBlocker = 'Failed' | 'Canceled' | 'missing';

/** 'ready' when the build is Completed, 'wait' while it may still complete, else why the export cannot run. */
export async function buildState(ctx: BuilderContext, buildRef: string): Promise<'ready' | 'wait' | BuildBlocker> {
  let reason = ctx.reasons.get(jobKey('ImageBuild', buildRef));
  if (reason === undefined || ctx.shared) {
    // several processes write builds: the store has the last word
    const rec = await ctx.store.get('ImageBuild', buildRef);
    if (!rec) return 'missing';
    reason = getReadyReason(rec.object) ?? 'Pending';
  }
  if (reason === 'Completed') return 'ready';
  if (reason === 'Failed' || reason === 'Canceled') return reason;
  return 'wait';
}

/** Fails a Pending export promptly because its build will never complete. */
export async function failExport(
  ctx: BuilderContext,
  name: string,
  buildRef: string,
  why: BuildBlocker,
): Promise<void> {
  const message =
    why === 'missing'
      ? `source ImageBuild "${buildRef}" no longer exists; this export cannot run`
      : `source ImageBuild "${buildRef}" ${why === 'Failed' ? 'failed' : 'was canceled'}; this export cannot run (create a new build, or use newVersion)`;
  const rec = await setPhase(ctx, 'ImageExport', name, 'Failed', message, { from: ['Pending'] });
  if (rec) {
    const log = await ctx.logs.get('ImageExport', name, false);
    ctx.logs.write(log, `[builder] ${message}`);
    log.end();
    // other processes' followers read on for a second after they see the end, not longer
    await ctx.shared?.logs.flush('ImageExport', name);
  }
}
