import type { Command } from 'commander';
import { collect, stateOptions } from '../internal/options.js';
import type { LocalBuildOptions } from '../local/run-local-build.js';
import type { CommandContext } from '../program.js';

export function registerBuild(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('build')
    .description(
      'build on this machine, no server: validate everything, then run the ImageBuild, its exports and\n' +
        'the downloads in this process (Ctrl-C cancels everything in flight and cleans up)',
    )
    .option(
      '-f, --filename <file>',
      'ImageBuild / ImageExport / Repository documents: file, directory, glob or - (repeatable)',
      collect,
      [],
    )
    .option('-R, --recursive', 'descend into directories given with -f')
    .option('--export <format>', 'also export to this format (repeatable): qcow2, vmdk, iso, raw, …', collect)
    .option('--download <dir>', 'download every completed export into DIR (named <build><extension>)')
    .option('--force', 'overwrite files that already exist in --download DIR')
    .option(
      '--engine <url>',
      'container engine: unix:///…sock, tcp://host:port, ssh://user@host (repeatable; default: discovery)',
      collect,
      [],
    )
    .option('--converter-image <ref>', 'bootc-image-builder image for exports')
    .option('--enrollment-config <file>', 'Flight Control agent config.yaml for early-binding builds')
    .option('-o, --output <format>', 'json: one JSON event per line instead of the live display');
  stateOptions(cmd).action(async (opts: LocalBuildOptions) => {
    const { runLocalBuild } = await import('../local/run-local-build.js');
    ctx.exitCode = await runLocalBuild(opts, ctx.io);
  });
}
