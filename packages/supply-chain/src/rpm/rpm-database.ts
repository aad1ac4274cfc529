import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { SbomError } from '@imagebuild/core/errors';
import { throwIfAborted } from '@imagebuild/core/operation';
import type { ImageFileEntry, ImageFileReader } from '@imagebuild/core/runner';
import { openSqlite } from '../internal/sqlite.js';
import { parseRpmHeader, type RpmPackage } from './rpm-header.js';

/** Where rpm keeps its sqlite database: bootc / Fedora ≥ 36 / EL ≥ 9 first, then the classic place. */
export const RPMDB_DIRECTORIES = ['/usr/lib/sysimage/rpm', '/var/lib/rpm'] as const;
/** Older database forms: detected and reported, not read. */
const OLD_FORMS = [
  { file: 'Packages', form: 'Berkeley DB' },
  { file: 'Packages.db', form: 'NDB' },
] as const;

/** The packages of an image's RPM database. */
export interface RpmDatabase {
  /** The database file read, e.g. `/usr/lib/sysimage/rpm/rpmdb.sqlite`. */
  path: string;
  /** Every installed package, in database order. */
  packages: RpmPackage[];
}

/** Options of `readRpmDatabase`. */
export interface ReadRpmDatabaseOptions {
  /** Bound of the bytes read for one database directory. */
  maxBytes: number;
  /** Aborts the reads. */
  signal?: AbortSignal | undefined;
}

/**
 * Finds and reads the image's sqlite RPM database. Rejects with SbomError when there is none, when
 * only an older (Berkeley DB / NDB) form is there, or when it cannot be read.
 */
export async function readRpmDatabase(files: ImageFileReader, options: ReadRpmDatabaseOptions): Promise<RpmDatabase> {
  const older: string[] = [];
  for (const dir of RPMDB_DIRECTORIES) {
    const entries = await readDirectory(files, dir, options);
    if (!entries) continue;
    const byName = new Map(entries.dir.map((e) => [posix.relative(entries.path, e.path), e]));
    const db = byName.get('rpmdb.sqlite');
    if (db?.type === 'file' && db.data) {
      const where = posix.join(dir, 'rpmdb.sqlite');
      const wal = byName.get('rpmdb.sqlite-wal');
      const packages = await readSqlite(where, db.data, wal?.type === 'file' ? wal.data : undefined, options.signal);
      return { path: where, packages };
    }
    for (const o of OLD_FORMS)
      if (byName.get(o.file)?.type === 'file') older.push(`${posix.join(dir, o.file)} (${o.form})`);
  }
  if (older.length > 0)
    throw new SbomError(
      `the image's RPM database is in an older form that is detected but not read: ${older.join(', ')}; ` +
        'rebuild it as sqlite (rpmdb --rebuilddb --define "_db_backend sqlite") or use another SBOM generator',
    );
  throw new SbomError(`no RPM database in the image (looked for rpmdb.sqlite in ${RPMDB_DIRECTORIES.join(' and ')})`);
}

/** A directory's entries, following the directory itself when it is a symlink (e.g. /var/lib/rpm → ../../usr/lib/sysimage/rpm). */
async function readDirectory(
  files: ImageFileReader,
  dir: string,
  options: ReadRpmDatabaseOptions,
): Promise<{ path: string; dir: ImageFileEntry[] } | undefined> {
  let path = dir;
  for (let hops = 0; hops < 8; hops++) {
    const entries = await files.read(path, options);
    const self = entries?.find((e) => e.path === path);
    if (!entries || !self) return undefined;
    if (self.type === 'directory') return { path, dir: entries };
    if (self.type !== 'symlink' || !self.linkTarget) return undefined;
    path = posix.resolve(posix.dirname(path), self.linkTarget);
  }
  return undefined;
}

/** Reads every package header. A checkpointed database is read in memory; one with a WAL goes through a private temp copy. */
async function readSqlite(
  where: string,
  main: Uint8Array,
  wal: Uint8Array | undefined,
  signal: AbortSignal | undefined,
): Promise<RpmPackage[]> {
  let dir: string | undefined;
  try {
    let source: Buffer | string;
    if (wal && wal.length > 0) {
      dir = await mkdtemp(join(tmpdir(), 'imagebuild-rpmdb-'));
      await writeFile(join(dir, 'rpmdb.sqlite'), main, { mode: 0o600 });
      await writeFile(join(dir, 'rpmdb.sqlite-wal'), wal, { mode: 0o600 });
      source = join(dir, 'rpmdb.sqlite');
    } else {
      // In memory: a WAL-mode file is deserialised as a rollback-journal one (header bytes 18–19), the
      // same pages with nothing pending.
      source = Buffer.from(main);
      if (source.length >= 20) source[18] = source[19] = 1;
    }
    throwIfAborted(signal);
    const db = openSqlite(source, where);
    try {
      const out: RpmPackage[] = [];
      let rows: Iterable<{ hnum: number; blob: Uint8Array }>;
      try {
        rows = db.iterate('SELECT hnum, blob FROM Packages ORDER BY hnum');
      } catch (err) {
        throw new SbomError(`${where}: not an RPM database: ${(err as Error).message}`, { cause: err });
      }
      for (const row of rows) out.push(parseRpmHeader(row.blob, `${where} package #${row.hnum}`));
      return out;
    } finally {
      db.close();
    }
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
