import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { Resource } from '@imagebuild/core';
import { ApiError, REDACTED } from '@imagebuild/core/errors';
import { documentProblems, readDocuments } from '../internal/documents.js';
import { EXIT, describeError, usage } from '../exit.js';
import { parseDuration } from '../internal/duration.js';
import { kindSlug } from '../internal/kinds.js';
import { allOptions, collect } from '../internal/options.js';
import { clientFor, currentContext, type GlobalOptions } from '../remote/connect.js';
import type { CommandContext } from '../program.js';

interface ApplyOptions extends GlobalOptions {
  filename?: string[];
  recursive?: boolean;
  dryRun?: boolean;
}

const ORDER: Record<string, number> = { Repository: 0, ImageBuild: 1, ImageExport: 2 };

type Applied = Exclude<Resource, { kind: `${string}List` }>;

function masked(r: Applied): Applied {
  const spec = (r as { spec?: { ociAuth?: Record<string, unknown> } }).spec;
  if (!spec?.ociAuth?.password) return r;
  return { ...r, spec: { ...spec, ociAuth: { ...spec.ociAuth, password: REDACTED } } } as Applied;
}

export function registerApply(program: Command, ctx: CommandContext): void {
  program
    .command('apply')
    .description(
      'create resources from files: Repositories through the core API (PUT, create or replace),\n' +
        'ImageBuilds and ImageExports (POST; one that exists is reported and the run goes on)',
    )
    .option('-f, --filename <file>', 'file, directory, glob or - for stdin (repeatable)', collect)
    .option('-R, --recursive', 'descend into directories')
    .option('--dry-run', 'validate locally and print what would be sent, send nothing')
    .action(async (_o: unknown, self: Command) => {
      const opts = allOptions<ApplyOptions>(self);
      const docs = readDocuments(opts.filename ?? [], { recursive: opts.recursive === true, stdin: ctx.io.stdin });
      const problems = documentProblems(docs);
      if (problems.length > 0)
        throw usage(`the input is invalid:\n  ${problems.join('\n  ')}`, 'fix the fields above; nothing was sent');
      const resources: Applied[] = [];
      for (const d of docs) {
        if (!d.ok) continue;
        const r = d.resource;
        if (r.kind.endsWith('List'))
          resources.push(
            ...((r as { items: Applied[] }).items.map((i) => ({ ...i, kind: r.kind.slice(0, -4) })) as Applied[]),
          );
        else resources.push(r as Applied);
      }
      resources.sort((a, b) => (ORDER[a.kind] ?? 3) - (ORDER[b.kind] ?? 3));
      if (opts.dryRun) {
        for (const r of resources) {
          const how =
            r.kind === 'Repository'
              ? `PUT /api/v1/repositories/${r.metadata.name}`
              : `POST /api/v1/${r.kind.toLowerCase()}s`;
          ctx.io.out(
            `# ${kindSlug(r.kind as never)}/${r.metadata.name} (dry run): ${how}\n${stringify(masked(r), { lineWidth: 0 })}---\n`,
          );
        }
        return;
      }
      const { entry } = currentContext(opts);
      const client = await clientFor(entry, opts);
      const { putRepository } = await import('../remote/put-repository.js');
      const timeoutMs =
        opts.requestTimeout === undefined ? 30_000 : parseDuration('--request-timeout', opts.requestTimeout);
      let failures = 0;
      // PUT as the core API takes it; a server without PUT on repositories (405) gets a POST instead.
      const applyRepository = async (r: Applied): Promise<string> => {
        try {
          const status = await putRepository(entry, opts.org ?? entry.organization, r as never, timeoutMs);
          return status === 201 ? 'created' : 'configured';
        } catch (err) {
          if (!(err instanceof ApiError && err.status === 405)) throw err;
        }
        try {
          await client.repositories.create(r as never);
          return 'created';
        } catch (err) {
          if (err instanceof ApiError && err.status === 409) return 'unchanged (exists; this server cannot replace it)';
          throw err;
        }
      };
      try {
        for (const r of resources) {
          const id = `${kindSlug(r.kind as never)}/${r.metadata.name}`;
          try {
            if (r.kind === 'Repository') {
              ctx.io.out(`${id} ${await applyRepository(r)}\n`);
            } else if (r.kind === 'ImageBuild') {
              await client.imageBuilds.create(r as never);
              ctx.io.out(`${id} created\n`);
            } else {
              await client.imageExports.create(r as never);
              ctx.io.out(`${id} created\n`);
            }
          } catch (err) {
            const d = describeError(err);
            // A server or token problem stops the run; a refused document is reported and the run goes on.
            if (
              d.exitCode === EXIT.UNREACHABLE ||
              (err instanceof ApiError && (err.status === 401 || err.status === 403))
            )
              throw err;
            failures++;
            const conflict = err instanceof ApiError && err.status === 409;
            ctx.io.err(
              `error: ${id}: ${conflict ? 'already exists (409); builds and exports cannot be changed, create a new one (e.g. `imagebuild new-version`)' : d.message}\n`,
            );
          }
        }
      } finally {
        await client.close();
      }
      if (failures > 0) {
        ctx.io.err(`${failures} of ${resources.length} documents were not applied\n`);
        ctx.exitCode = EXIT.FAILED;
      }
    });
}
