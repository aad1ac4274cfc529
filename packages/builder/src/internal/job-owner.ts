import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { threadId } from 'node:worker_threads';

/**
 * Job ids that say which process runs the job, so a builder starting later can tell leftovers of
 * a dead process (removable) from the resources of a job still running elsewhere (never touched).
 * Form: `<uuid>.h<host key>-p<pid>-t<thread id>`, where the host key hashes the host name and boot
 * id (a reboot kills every owner). Only characters the engines' labels and folder names keep as they are.
 */
// Sticky and tried only where a `.h` marker sits 36 characters after the start: an unanchored search
// with this pattern is polynomial on long hex runs (scripts/check-regex.mjs).
const OWNED = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.h([0-9a-f]{8})-p(\d{1,10})-t(\d{1,10})/y;
const UUID_LENGTH = 36;

let hostKeyCache: string | undefined;

/** This host's key: 8 hex digits of sha256(hostname, boot id). */
export function hostKey(): string {
  if (hostKeyCache === undefined) {
    let boot = '';
    try {
      boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      // not Linux: the host name alone
    }
    hostKeyCache = createHash('sha256').update(`${hostname()}\n${boot}`).digest('hex').slice(0, 8);
  }
  return hostKeyCache;
}

/** This thread's owner tag (`h<host key>-p<pid>-t<thread id>`). */
export function ownerTag(): string {
  return `h${hostKey()}-p${process.pid}-t${threadId}`;
}

/** A new job id owned by this process. */
export function newJobId(): string {
  return `${randomUUID()}.${ownerTag()}`;
}

/**
 * Job ids running in this thread (every builder of it, every copy of this package loaded in it):
 * its own jobs are alive exactly while listed. Other threads of the process are never judged.
 */
const RUNNING = Symbol.for('imagebuild.runningJobIds');
const shared = globalThis as Record<symbol, unknown>;
if (!(shared[RUNNING] instanceof Set)) shared[RUNNING] = new Set<string>();
export const runningJobIds = shared[RUNNING] as Set<string>;

/** The owned job id found in `text` (a label value or a folder name), if any. */
export function findJobId(text: string): { jobId: string; host: string; pid: number; thread: number } | undefined {
  for (let at = text.indexOf('.h', UUID_LENGTH); at !== -1; at = text.indexOf('.h', at + 2)) {
    OWNED.lastIndex = at - UUID_LENGTH;
    const m = OWNED.exec(text);
    if (m) return { jobId: m[0], host: m[2]!, pid: Number(m[3]), thread: Number(m[4]) };
  }
  return undefined;
}

/** The owner tag found in a builder folder name (`imagebuild-logs-h…-p…-XXXXXX`). */
export function findOwner(text: string): { host: string; pid: number } | undefined {
  const m = /-h([0-9a-f]{8})-p(\d{1,10})-t\d{1,10}-/.exec(text);
  return m ? { host: m[1]!, pid: Number(m[2]) } : undefined;
}

/** True when `pid` on this host is not running. */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Whether the job `text` names is provably over: its owner ran on this host and is gone, or is
 * this thread and no longer runs it. Jobs of other hosts, of other threads of this process, or
 * with ids not made here, are never over.
 */
export function jobIsOver(text: string): string | undefined {
  const found = findJobId(text);
  if (!found || found.host !== hostKey()) return undefined;
  if (found.pid === process.pid) {
    return found.thread === threadId && !runningJobIds.has(found.jobId) ? found.jobId : undefined;
  }
  return processGone(found.pid) ? found.jobId : undefined;
}

/** Whether a builder folder's owner (another process of this host) is gone. */
export function ownerIsGone(name: string): boolean {
  const found = findOwner(name);
  return found !== undefined && found.host === hostKey() && found.pid !== process.pid && processGone(found.pid);
}
