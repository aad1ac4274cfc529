import type { Command } from 'commander';
import { EXIT, usage } from '../exit.js';
import { parseTarget } from '../internal/kinds.js';
import { allOptions } from '../internal/options.js';
import type { ListQuery } from '../internal/source.js';
import { formatResources, parseOutput } from '../output/format.js';
import type { AnyResource } from '../output/table.js';
import type { CommandContext } from '../program.js';
import { localFlags, withSource, type SourceOptions } from './common.js';

interface GetOptions extends SourceOptions {
  output?: string;
  selector?: string;
  fieldSelector?: string;
  limit?: string;
  continue?: string;
  withExports?: boolean;
}

export function registerGet(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('get')
    .description('show resources: imagebuild (ib), imageexport (ie), imagepromotion (ip), repository (repo)')
    .argument('<type[/name]>', 'TYPE, TYPE/NAME')
    .argument('[names...]', 'more names of that type')
    .option('-o, --output <format>', 'table, wide, yaml, json or name', 'table')
    .option('-l, --selector <selector>', 'label selector, e.g. app=web,tier!=db')
    .option('--field-selector <selector>', 'field selector, e.g. status.conditions.ready.reason=Completed')
    .option('--limit <n>', 'page size; with --limit only one page is shown (its continue token on stderr)')
    .option('--continue <token>', 'continue a paged listing')
    .option('--with-exports', "imagebuilds: include each build's exports (EXPORTS column)");
  localFlags(cmd).action(async (first: string, rest: string[], _o: unknown, self: Command) => {
    const opts = allOptions<GetOptions>(self);
    const format = parseOutput(opts.output);
    const { kind, names } = parseTarget([first, ...rest]);
    const limit = opts.limit === undefined ? undefined : Number(opts.limit);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000))
      throw usage(`--limit ${opts.limit}: must be a whole number from 1 to 1000`);
    if (opts.withExports && kind !== 'ImageBuild') throw usage('--with-exports applies to imagebuilds only');
    const withExports = opts.withExports === true;
    await withSource(opts, async (source) => {
      if (names.length > 0) {
        if (opts.selector || opts.fieldSelector || opts.limit || opts.continue)
          throw usage('selectors, --limit and --continue apply to lists, not to named resources');
        const items: AnyResource[] = [];
        let missing = false;
        for (const name of names) {
          try {
            items.push(await source.get(kind, name, { withExports }));
          } catch (err) {
            if (
              (err as { status?: number; code?: string }).status !== 404 &&
              (err as { code?: string }).code !== 'NOT_FOUND'
            )
              throw err;
            ctx.io.err(`error: ${kind} "${name}" not found\n`);
            missing = true;
          }
        }
        if (items.length > 0)
          ctx.io.out(formatResources(kind, items, format, { withExports, single: names.length === 1 }));
        if (missing) ctx.exitCode = EXIT.FAILED;
        return;
      }
      const query: ListQuery = {
        labelSelector: opts.selector,
        fieldSelector: opts.fieldSelector,
        limit,
        continue: opts.continue,
        withExports,
      };
      const items: AnyResource[] = [];
      let next: string | undefined;
      for await (const page of source.pages(kind, query)) {
        items.push(...page.items);
        next = page.continue;
        if (limit !== undefined) break; // one page when the user asked for a page size
      }
      ctx.io.out(formatResources(kind, items, format, { withExports, continueToken: next }));
      if (next && (format === 'table' || format === 'wide' || format === 'name'))
        ctx.io.err(`more items: run again with --continue ${next}\n`);
    });
  });
}
