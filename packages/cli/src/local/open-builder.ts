import { readFileSync } from 'node:fs';
import { ImageBuilder, SqliteStore } from '@imagebuild/builder';
import type { Runner } from '@imagebuild/core';
import { parseEnrollmentConfig, type EnrollmentConfig } from '@imagebuild/core/containerfile';
import { usage } from '../exit.js';
import { connectEngines } from './engines.js';
import { credentialKey, lockStateDir, type StateDir } from './state-dir.js';

export interface LocalOptions {
  state?: string | undefined;
  engine?: string[] | undefined;
  converterImage?: string | undefined;
  enrollmentConfig?: string | undefined;
  concurrency?: number | undefined;
}

export interface LocalBuilder {
  builder: ImageBuilder;
  state: StateDir;
  runners: Runner[];
  /** Closes the builder (cleaning up what its jobs started) and releases the state directory. */
  close(): Promise<void>;
}

export function readEnrollmentConfig(path: string | undefined): EnrollmentConfig | undefined {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    // the cause (ENOENT, EACCES) is named by the usage message
    throw usage(`--enrollment-config ${path}: cannot be read`);
  }
  return parseEnrollmentConfig(text);
}

/** Engines first (exit 3 when none answers), then the locked state directory and its SQLite store. */
export async function openLocalBuilder(options: LocalOptions): Promise<LocalBuilder> {
  const enrollmentConfig = readEnrollmentConfig(options.enrollmentConfig);
  const runners = await connectEngines(options.engine ?? []);
  const state = lockStateDir(options.state);
  let builder: ImageBuilder;
  try {
    builder = new ImageBuilder({
      runners,
      store: new SqliteStore({ path: state.db }),
      logDir: state.logs,
      credentialKey: credentialKey(state.dir),
      // the command handles Ctrl-C (cancel, then a second one exits) and SIGTERM (drain) itself
      handleSignals: false,
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(enrollmentConfig ? { enrollmentConfig } : {}),
      ...(options.converterImage ? { exportOptions: { converterImage: options.converterImage } } : {}),
    });
    await builder.ready();
  } catch (err) {
    state.release();
    throw err;
  }
  return {
    builder,
    state,
    runners,
    close: async () => {
      try {
        await builder.close();
      } finally {
        state.release();
      }
    },
  };
}
