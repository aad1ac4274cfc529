import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import type { DiscoveryEnvironment } from './types.js';

/** The discovery context of the running process. */
export function nodeDiscoveryEnvironment(): DiscoveryEnvironment {
  return {
    env: process.env,
    homedir: homedir(),
    uid: typeof process.getuid === 'function' ? process.getuid() : undefined,
    fs: {
      exists: (p) => existsSync(p),
      readFile: (p) => {
        try {
          return readFileSync(p, 'utf8');
        } catch {
          // unreadable means absent to a discovery strategy
          return undefined;
        }
      },
      readdir: (p) => {
        try {
          return readdirSync(p);
        } catch {
          // unreadable means empty to a discovery strategy
          return [];
        }
      },
    },
  };
}
