import type { Command } from 'commander';
import { usage } from '../exit.js';
import { parseTarget } from '../internal/kinds.js';
import { allOptions } from '../internal/options.js';
import type { CommandContext } from '../program.js';
import { onStopSignal } from '../internal/signals.js';
import { localFlags, withSource, type SourceOptions } from './common.js';

export function registerLogs(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('logs')
    .description(
      'print the log of a build or export; -f follows it until the job ends\n(resuming after a dropped connection without printing a line twice)',
    )
    .argument('<type/name>', 'ib/NAME or ie/NAME (or TYPE NAME)')
    .argument('[name]', 'the name, when TYPE was given alone')
    .option('-f, --follow', 'follow the log while the job runs');
  localFlags(cmd).action(async (first: string, name: string | undefined, _o: unknown, self: Command) => {
    const opts = allOptions<SourceOptions & { follow?: boolean }>(self);
    const { kind, names } = parseTarget(name === undefined ? [first] : [first, name]);
    if (names.length !== 1) throw usage('logs takes one resource', 'e.g. imagebuild logs ib/NAME -f');
    const abort = new AbortController();
    const stop = (): void => {
      if (abort.signal.aborted) process.exit(130); // a second Ctrl-C
      abort.abort(new Error('interrupted'));
    };
    const unsubscribe = onStopSignal(stop);
    try {
      await withSource(opts, async (source) => {
        for await (const line of source.logs(kind, names[0] as string, opts.follow === true, abort.signal))
          ctx.io.out(`${line}\n`);
      });
    } catch (err) {
      if (!abort.signal.aborted) throw err;
      ctx.exitCode = 130;
    } finally {
      unsubscribe();
    }
  });
}
