import { getReadyReason, isTerminal } from '@imagebuild/core/lifecycle';
import type { StoredKind, StoredRecord } from '@imagebuild/builder';

/** One row of `ib_resources` as the driver returns it (bigint columns arrive as strings). */
export interface ResourceRow {
  kind: StoredKind;
  name: string;
  seq: string;
  rv: string;
  object: string;
  job: string | null;
}

export const RESOURCE_COLUMNS = 'kind, name, seq, rv, object, job';

export function toRecord<K extends StoredKind>(row: ResourceRow): StoredRecord<K> {
  return {
    kind: row.kind as K,
    name: row.name,
    seq: Number(row.seq),
    resourceVersion: Number(row.rv),
    object: JSON.parse(row.object) as StoredRecord<K>['object'],
    ...(row.job ? { job: JSON.parse(row.job) as StoredRecord['job'] } : {}),
  };
}

/** A job that a process may claim: it has job bookkeeping and is not terminal. */
export function isOpen(record: Pick<StoredRecord, 'kind' | 'object' | 'job'>): boolean {
  if (record.kind === 'Repository' || !record.job) return false;
  return !isTerminal(getReadyReason(record.object as Parameters<typeof getReadyReason>[0]) ?? 'Pending');
}

/** The write columns of a record: object and job as JSON text, and whether it is open. */
export function writeParams(record: Pick<StoredRecord, 'kind' | 'object' | 'job'>): [string, string | null, boolean] {
  return [JSON.stringify(record.object), record.job ? JSON.stringify(record.job) : null, isOpen(record)];
}

/** The largest payload a notification carries: PostgreSQL refuses 8,000 bytes and above. */
const NOTIFY_PAYLOAD_MAX = 7_999;

/**
 * The tail of every write statement, `w` being the written rows (any number): records each change
 * (with the object at that version, so a watcher in any process can replay it) and notifies it at
 * commit, carrying the change itself so that followers need not read it back (see `ChangeFeed`), or
 * its id alone above PostgreSQL's 8,000-byte payload limit. The answer is `select` from `from`.
 */
export function recordChange(type: 'upsert' | 'delete', select = 'w.*', from = 'w'): string {
  return `
  c AS (INSERT INTO ib_changes (kind, name, rv, type, object) SELECT kind, name, rv, '${type}', object FROM w
    RETURNING id, json_build_array(id, kind, name, rv, type)::text || E'\\n' || coalesce(object, '') AS payload),
  n AS (SELECT pg_notify('ib_changes', CASE WHEN octet_length(payload) <= ${NOTIFY_PAYLOAD_MAX} THEN payload ELSE id::text END) FROM c)
  SELECT ${select}, (SELECT count(*) FROM n) AS notified FROM ${from}`;
}

/** The columns of `ib_resources` a record is made of, of the table aliased `r`. */
export const RESOURCE_COLUMNS_R = 'r.kind, r.name, r.seq, r.rv, r.object, r.job';

/** The build an export runs after (claims skip it while that build is open), or null. */
export function afterBuild(record: Pick<StoredRecord, 'kind' | 'object'>): string | null {
  if (record.kind !== 'ImageExport') return null;
  return (record.object as { spec?: { source?: { imageBuildRef?: string } } }).spec?.source?.imageBuildRef ?? null;
}
