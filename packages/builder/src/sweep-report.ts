// What the start-up sweep of leftovers removed.
import type { CleanupReport } from '@imagebuild/core/runner';
/** What the start-up sweep removed. */
export interface SweepReport {
  /** Temporary folders of finished jobs and of builders whose process is gone. */
  folders: string[];
  /** Per runner: labelled containers and images of jobs whose process is gone. */
  runners: Array<{ runner: string; report?: CleanupReport; error?: string }>;
}
