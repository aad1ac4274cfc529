import type { Command } from 'commander';
import { EXIT, usage } from '../exit.js';
import { kindSlug, parseTarget } from '../internal/kinds.js';
import { allOptions } from '../internal/options.js';
import type { CommandContext } from '../program.js';
import { localFlags, withSource, type SourceOptions } from './common.js';

export function registerDelete(program: Command, ctx: CommandContext): void {
  const del = program
    .command('delete')
    .description("delete resources (a build's exports first; running jobs are canceled)")
    .argument('<type[/name]>', 'TYPE/NAME or TYPE')
    .argument('[names...]', 'more names of that type');
  localFlags(del, true).action(async (first: string, rest: string[], _o: unknown, self: Command) => {
    const opts = allOptions<SourceOptions>(self);
    const { kind, names } = parseTarget([first, ...rest]);
    if (names.length === 0)
      throw usage('name the resources to delete', `e.g. imagebuild delete ${kindSlug(kind)}/NAME`);
    await withSource(opts, async (source) => {
      for (const name of names) {
        await source.delete(kind, name);
        ctx.io.out(`${kindSlug(kind)}/${name} deleted\n`);
      }
    });
  });

  const cancel = program
    .command('cancel')
    .description('cancel builds or exports that have not finished')
    .argument('<type[/name]>', 'TYPE/NAME or TYPE')
    .argument('[names...]', 'more names of that type');
  localFlags(cancel, true).action(async (first: string, rest: string[], _o: unknown, self: Command) => {
    const opts = allOptions<SourceOptions>(self);
    const { kind, names } = parseTarget([first, ...rest]);
    if (names.length === 0) throw usage('name what to cancel', `e.g. imagebuild cancel ${kindSlug(kind)}/NAME`);
    await withSource(opts, async (source) => {
      for (const name of names) {
        try {
          await source.cancel(kind, name);
          ctx.io.out(`${kindSlug(kind)}/${name} canceled\n`);
        } catch (err) {
          const status = (err as { status?: number; code?: string }).status;
          if (status !== 409 && (err as { code?: string }).code !== 'CONFLICT') throw err;
          ctx.io.err(`error: ${kindSlug(kind)}/${name} cannot be canceled: ${(err as Error).message}\n`);
          ctx.exitCode = EXIT.FAILED;
        }
      }
    });
  });
}
