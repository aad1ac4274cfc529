#!/usr/bin/env node
import { installSignalHub } from './internal/signals.js';

installSignalHub();
import('./program.js')
  .then(({ run }) => run(process.argv.slice(2)))
  .then(
    (code) => {
      // Exit once stdout is flushed: pools and timers of a finished command must not keep the process.
      process.stdout.write('', () => process.exit(code));
    },
    (err: unknown) => {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
