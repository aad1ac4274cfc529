import type { Command } from 'commander';
import { collect } from '../internal/options.js';
import { parseDuration } from '../internal/duration.js';
import type { ServeOptions } from '../local/serve.js';
import type { CommandContext } from '../program.js';

export function registerServe(program: Command, ctx: CommandContext): void {
  program
    .command('serve')
    .description(
      'serve the Flight Control image-builder API (and core /api/v1/repositories) over a local builder:\n' +
        'bearer-token auth and loopback by default; SIGTERM drains (running jobs finish, then the rest is canceled)',
    )
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8445')
    .option(
      '--token-file <file>',
      'bearer token file; generated (mode 0600) at first start when missing (default <state>/token)',
    )
    .option('--no-auth', 'serve without authentication (loopback addresses only)')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM)')
    .option('--tls-key <file>', "the certificate's private key (PEM)")
    .option('--state <dir>', 'state directory: SQLite store, logs (default ~/.local/share/imagebuild)')
    .option('--engine <url>', 'container engine (repeatable; default: discovery)', collect)
    .option('--converter-image <ref>', 'bootc-image-builder image for exports')
    .option('--enrollment-config <file>', 'Flight Control agent config.yaml for early-binding builds')
    .option('--strict-upstream', 'refuse export formats upstream Flight Control does not know')
    .option('--grace-period <duration>', 'on SIGTERM, how long running jobs may finish before they are canceled', '60s')
    .action(async (opts: Omit<ServeOptions, 'gracePeriod'> & { gracePeriod: string }) => {
      const { runServe } = await import('../local/serve.js');
      ctx.exitCode = await runServe(
        { ...opts, gracePeriod: parseDuration('--grace-period', opts.gracePeriod) },
        ctx.io,
      );
    });
}
