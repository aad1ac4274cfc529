import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import type { ExportFormat } from '@imagebuild/core';
import { downloadExtension } from '@imagebuild/core/resources';
import { EXIT, usage } from '../exit.js';
import { parseTarget } from '../internal/kinds.js';
import { allOptions } from '../internal/options.js';
import { connect, type GlobalOptions } from '../remote/connect.js';
import type { CommandContext } from '../program.js';
import { onStopSignal } from '../internal/signals.js';

export function registerDownload(program: Command, ctx: CommandContext): void {
  program
    .command('download')
    .description(
      "download a completed export's disk image (verified against its digest; an interrupted\n" +
        'download resumes from OUT.part with Range on the next run)',
    )
    .argument('<type/name>', 'ie/NAME (or ie NAME)')
    .argument('[args...]', 'NAME when TYPE was given alone, then OUT (file or directory; default <build><extension>)')
    .option('--force', 'overwrite OUT when it exists')
    .action(async (first: string, args: string[], _o: unknown, self: Command) => {
      const opts = allOptions<GlobalOptions & { force?: boolean }>(self);
      const slash = first.includes('/');
      const { kind, names } = parseTarget(slash ? [first] : [first, ...args.slice(0, 1)]);
      const rest = slash ? args : args.slice(1);
      if (kind !== 'ImageExport' || names.length !== 1 || rest.length > 1)
        throw usage(
          'download takes one imageexport and an optional output path',
          'e.g. imagebuild download ie/NAME ./disk.qcow2',
        );
      const name = names[0] as string;
      const client = await connect(opts);
      const abort = new AbortController();
      const stop = (): void => {
        if (abort.signal.aborted) process.exit(130); // a second Ctrl-C
        abort.abort(new Error('interrupted'));
      };
      const unsubscribe = onStopSignal(stop);
      let bar: SingleBar | undefined;
      try {
        const ie = await client.imageExports.get(name, { signal: abort.signal });
        const base = `${ie.spec.source.imageBuildRef}${downloadExtension(ie.spec.format as ExportFormat)}`;
        let out = resolve(rest[0] ?? base);
        if (existsSync(out) && statSync(out).isDirectory()) out = join(out, base);
        if (existsSync(out) && !opts.force)
          throw usage(`${out} already exists`, 'pass --force to overwrite it, or give another OUT');
        const tty = process.stderr.isTTY === true && ctx.io.stdout !== undefined;
        if (tty) {
          bar = new SingleBar(
            { stream: process.stderr, format: `${name} {bar} {percentage}% {value}/{total} bytes`, hideCursor: true },
            Presets.shades_classic,
          );
          bar.start(0, 0);
        }
        const result = await client.imageExports.downloadToFile(name, out, {
          signal: abort.signal,
          onProgress: (p) => {
            if (!bar) return;
            if (p.bytesTotal !== undefined) bar.setTotal(p.bytesTotal);
            bar.update(p.bytesDone);
          },
        });
        bar?.stop();
        bar = undefined;
        ctx.io.out(
          `${result.path} (${result.bytes} bytes, ${result.digest}, verified${result.resumedFrom > 0 ? `, resumed at byte ${result.resumedFrom}` : ''})\n`,
        );
      } catch (err) {
        bar?.stop();
        if (!abort.signal.aborted) throw err;
        ctx.io.err('interrupted: the partial download is kept as OUT.part; run the same command to resume\n');
        ctx.exitCode = EXIT.INTERRUPTED;
      } finally {
        unsubscribe();
        await client.close();
      }
    });
}
