import { trimTrailingSlashes } from '@imagebuild/core/resources';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { usage } from '../exit.js';
import { allOptions } from '../internal/options.js';
import { configDir, readConfig, writeConfig, type ContextEntry } from '../remote/config-file.js';
import { clientFor, type GlobalOptions } from '../remote/connect.js';
import type { CommandContext } from '../program.js';

interface LoginOptions extends GlobalOptions {
  token?: string;
  tokenFile?: string;
  certificateAuthority?: string;
  insecureSkipTlsVerify?: boolean;
  imageBuilderServer?: string;
}

function readSmall(flag: string, path: string): string {
  try {
    const text = readFileSync(path, 'utf8');
    if (text.length > 1024 * 1024) throw new Error('too large');
    return text;
  } catch {
    // the usage message names the file that cannot be read
    throw usage(`${flag} ${path}: cannot be read`);
  }
}

export function registerLogin(program: Command, ctx: CommandContext): void {
  program
    .command('login')
    .description(
      'log in to a Flight Control server (or `imagebuild serve`): checks the token and stores a context\n' +
        'in the config file (mode 0600); the image-builder address is derived as `flightctl login` does',
    )
    .argument('<url>', 'the core API URL, e.g. https://api.flightctl.example.com or http://127.0.0.1:8445')
    .option('-t, --token <token>', 'bearer token')
    .option('--token-file <file>', 'read the bearer token from a file')
    .option('--certificate-authority <file>', "CA certificate (PEM) that signs the server's certificate")
    .option('-k, --insecure-skip-tls-verify', "do not verify the server's certificate (test setups only)")
    .option('--image-builder-server <url>', 'the image-builder API address, when it is not the derived one')
    .action(async (url: string, _o: unknown, self: Command) => {
      const opts = allOptions<LoginOptions>(self);
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        // the usage message says what a valid address looks like
        throw usage(`${url}: not a URL`, 'give the server address, e.g. https://api.example.com');
      }
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw usage(`${url}: must be http or https`);
      if (opts.token && opts.tokenFile) throw usage('--token and --token-file are exclusive');
      const token = opts.tokenFile ? readSmall('--token-file', opts.tokenFile).trim() : opts.token;
      const server = trimTrailingSlashes(url);
      const { deriveImageBuilderUrl } = await import('@imagebuild/client');
      const entry: ContextEntry = {
        server,
        'image-builder-server': trimTrailingSlashes(opts.imageBuilderServer ?? deriveImageBuilderUrl(server)),
        ...(token ? { token } : {}),
        ...(opts.org ? { organization: opts.org } : {}),
        ...(opts.certificateAuthority
          ? { 'certificate-authority-data': readSmall('--certificate-authority', opts.certificateAuthority) }
          : {}),
        ...(opts.insecureSkipTlsVerify ? { 'insecure-skip-tls-verify': true } : {}),
      };
      const client = await clientFor(entry, opts);
      try {
        for await (const _page of client.imageBuilds.list({ limit: 1 }).pages()) break;
      } finally {
        await client.close();
      }
      const dir = configDir(opts.configDir);
      const config = readConfig(dir);
      const name = opts.context ?? parsed.host;
      config.contexts[name] = entry;
      config['current-context'] = name;
      const file = writeConfig(dir, config);
      ctx.io.out(
        `logged in to ${server} (image builder at ${entry['image-builder-server']}); context "${name}" saved in ${file}\n`,
      );
    });
}
