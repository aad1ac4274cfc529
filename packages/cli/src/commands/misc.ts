import type { Command } from 'commander';
import type { ImageBuildNewVersionRequest } from '@imagebuild/client';
import { EXIT, usage } from '../exit.js';
import { parseDuration } from '../internal/duration.js';
import { parseKind, parseTarget } from '../internal/kinds.js';
import { allOptions } from '../internal/options.js';
import { formatResources, parseOutput } from '../output/format.js';
import { connect, type GlobalOptions } from '../remote/connect.js';
import type { CommandContext } from '../program.js';
import { withSource, type SourceOptions } from './common.js';

const FAILED = new Set(['Failed', 'Canceled']);

export function registerMisc(program: Command, ctx: CommandContext): void {
  program
    .command('new-version')
    .description("create a new ImageBuild from an existing one's spec, with new image tags")
    .argument('<type/name>', 'ib/NAME (or ib NAME)')
    .argument('[name]', 'the name, when TYPE was given alone')
    .requiredOption('--name <name>', 'name of the new ImageBuild')
    .option('--source-image-tag <tag>', 'new spec.source.imageTag')
    .option('--destination-image-tag <tag>', 'new spec.destination.imageTag')
    .option('-o, --output <format>', 'table, wide, yaml, json or name', 'name')
    .action(async (first: string, name: string | undefined, _o: unknown, self: Command) => {
      const opts = allOptions<
        GlobalOptions & { name: string; sourceImageTag?: string; destinationImageTag?: string; output: string }
      >(self);
      const { kind, names } = parseTarget(name === undefined ? [first] : [first, name]);
      if (kind !== 'ImageBuild' || names.length !== 1)
        throw usage('new-version takes one imagebuild', 'e.g. imagebuild new-version ib/NAME --name NEW');
      const format = parseOutput(opts.output);
      const request: ImageBuildNewVersionRequest = {
        name: opts.name,
        ...(opts.sourceImageTag ? { sourceImageTag: opts.sourceImageTag } : {}),
        ...(opts.destinationImageTag ? { destinationImageTag: opts.destinationImageTag } : {}),
      } as ImageBuildNewVersionRequest;
      const client = await connect(opts);
      try {
        const created = await client.imageBuilds.newVersion(names[0] as string, request);
        ctx.io.out(
          format === 'name'
            ? `imagebuild/${created.metadata.name}\n`
            : formatResources('ImageBuild', [created], format, { single: true }),
        );
      } finally {
        await client.close();
      }
    });

  program
    .command('wait')
    .description('wait until a build or export reaches a phase (exit 1 if it ends Failed/Canceled instead)')
    .argument('<type/name>', 'ib/NAME or ie/NAME')
    .argument('[name]', 'the name, when TYPE was given alone')
    .option('--for <condition>', 'the phase to wait for, e.g. Completed or condition=Completed', 'Completed')
    .option('--timeout <duration>', 'give up after this long (exit 1), e.g. 10m')
    .option('--local', 'wait on the local state directory')
    .option('--state <dir>', 'local state directory (with --local)')
    .action(async (first: string, name: string | undefined, _o: unknown, self: Command) => {
      const opts = allOptions<SourceOptions & { for: string; timeout?: string }>(self);
      const { kind, names } = parseTarget(name === undefined ? [first] : [first, name]);
      if (names.length !== 1) throw usage('wait takes one resource', 'e.g. imagebuild wait ib/NAME --for=Completed');
      const want = opts.for.replace(/^(condition=|phase=|jsonpath=)/i, '');
      const timeoutMs = opts.timeout === undefined ? undefined : parseDuration('--timeout', opts.timeout);
      const deadline = timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
      const { readyReason } = await import('@imagebuild/client');
      await withSource(opts, async (source) => {
        for (;;) {
          const r = await source.get(kind, names[0] as string);
          const phase = readyReason(r as never) ?? 'Pending';
          if (phase.toLowerCase() === want.toLowerCase()) {
            ctx.io.out(`${parseKind(kind).toLowerCase()}/${names[0]} ${phase}\n`);
            return;
          }
          if (FAILED.has(phase) || phase === 'Completed') {
            ctx.io.err(`error: ${kind} ${names[0]} ended ${phase}, not ${want}\n`);
            ctx.exitCode = EXIT.FAILED;
            return;
          }
          if (Date.now() >= deadline) {
            ctx.io.err(`error: timed out waiting for ${kind} ${names[0]} to be ${want} (now ${phase})\n`);
            ctx.exitCode = EXIT.FAILED;
            return;
          }
          await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(0, deadline - Date.now()))));
        }
      });
    });
}
