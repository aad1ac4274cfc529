import { createRequire } from 'node:module';
import { SbomError } from '@imagebuild/core/errors';

/** The slice of better-sqlite3's API the RPM reader uses (kept local so its types are not part of ours). */
interface Statement {
  iterate(): IterableIterator<unknown>;
}
interface Database {
  prepare(sql: string): Statement;
  close(): void;
}
type DatabaseConstructor = new (
  source: Buffer | string,
  options?: { readonly?: boolean; fileMustExist?: boolean },
) => Database;

/** An open SQLite database read with better-sqlite3 (loaded on first use). */
export interface SqliteReader {
  iterate<T>(sql: string): Iterable<T>;
  close(): void;
}

let driver: DatabaseConstructor | undefined;

/** Opens a database file (path) or an in-memory copy of one (Buffer). Rejects with SbomError naming `where`. */
export function openSqlite(source: Buffer | string, where: string): SqliteReader {
  if (!driver) {
    // Anchored at this file: `__filename` in the CJS build, `import.meta.url` in ESM.
    const here = typeof __filename === 'string' ? __filename : import.meta.url;
    try {
      driver = createRequire(here)('better-sqlite3') as DatabaseConstructor;
    } catch (err) {
      throw new SbomError(
        'reading the RPM database needs the better-sqlite3 package (12.x), which could not be loaded',
        {
          cause: err,
        },
      );
    }
  }
  let db: Database;
  try {
    db = typeof source === 'string' ? new driver(source, { fileMustExist: true }) : new driver(source);
  } catch (err) {
    throw new SbomError(`${where}: cannot open the SQLite database: ${(err as Error).message}`, { cause: err });
  }
  return {
    iterate: <T>(sql: string) => db.prepare(sql).iterate() as IterableIterator<T>,
    close: () => db.close(),
  };
}
