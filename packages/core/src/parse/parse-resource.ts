import type { z } from 'zod';
import { ValidationError, echo, type ValidationIssue } from '../errors/index.js';
import { toValidationIssues } from './issues.js';
import { ImageBuildListSchema, ImageBuildNewVersionRequestSchema, ImageBuildSchema } from '../resources/image-build.js';
import type { ImageBuild, ImageBuildList, ImageBuildNewVersionRequest } from '../resources/image-build.js';
import { ImageExportListSchema, ImageExportSchema } from '../resources/image-export.js';
import type { ImageExport, ImageExportList } from '../resources/image-export.js';
import { RepositoryListSchema, RepositorySchema } from '../resources/repository.js';
import type { Repository, RepositoryList } from '../resources/repository.js';
import { StatusSchema, type Status } from '../resources/meta.js';
import { UPSTREAM_EXPORT_FORMATS, isUpstreamExportFormat } from '../resources/export-format.js';

/** Options of the parse functions. */
export interface ParseOptions {
  /**
   * Accept only what a Flight Control server accepts (export formats qcow2, vmdk, iso,
   * qcow2-disk-container). Default false: the local-only formats are allowed too.
   */
  upstreamOnly?: boolean | undefined;
}

/** Result of a non-throwing parse. */
export type SafeParseResult<T> = { ok: true; value: T } | { ok: false; error: ValidationError };

function upstreamIssues(value: unknown, prefix: string): ValidationIssue[] {
  const spec = (value as { spec?: { format?: unknown } }).spec;
  if (spec && typeof spec.format === 'string' && !isUpstreamExportFormat(spec.format)) {
    return [
      {
        path: `${prefix}spec.format`,
        message: `must be one of ${UPSTREAM_EXPORT_FORMATS.join(', ')} (the others are local-only)`,
      },
    ];
  }
  return [];
}

/** Parses with a schema; every problem becomes a `ValidationIssue` (path + rule), secrets never echoed. */
export function safeParseWith<T>(
  schema: z.ZodType<T>,
  input: unknown,
  subject: string,
  options: ParseOptions = {},
): SafeParseResult<T> {
  const res = schema.safeParse(input, { reportInput: true });
  const issues = res.success ? [] : toValidationIssues(res.error);
  if (options.upstreamOnly && typeof input === 'object' && input !== null) {
    const kind = (input as { kind?: unknown }).kind;
    if (kind === 'ImageExport') issues.push(...upstreamIssues(input, ''));
    if (kind === 'ImageBuild' || kind === 'ImageBuildList' || kind === 'ImageExportList') {
      const items =
        kind === 'ImageBuild'
          ? (input as { imageexports?: unknown }).imageexports
          : (input as { items?: unknown }).items;
      if (Array.isArray(items) && kind !== 'ImageBuildList') {
        items.forEach((it, i) => {
          issues.push(...upstreamIssues(it, `${kind === 'ImageBuild' ? 'imageexports' : 'items'}[${i}].`));
        });
      }
    }
  }
  if (issues.length > 0 || !res.success) {
    return { ok: false, error: new ValidationError(issues, { subject }) };
  }
  return { ok: true, value: res.data };
}

function subjectOf(kind: string, input: unknown): string {
  const name = (input as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  return typeof name === 'string' && name.length > 0 ? `${kind} ${echo(name)}` : kind;
}

function parseOrThrow<T>(schema: z.ZodType<T>, kind: string, input: unknown, options?: ParseOptions): T {
  const res = safeParseWith(schema, input, subjectOf(kind, input), options);
  if (!res.ok) throw res.error;
  return res.value;
}

/** Validates an ImageBuild (any object, e.g. from JSON); throws `ValidationError` listing every problem. */
export function parseImageBuild(input: unknown, options?: ParseOptions): ImageBuild {
  return parseOrThrow(ImageBuildSchema, 'ImageBuild', input, options);
}
/** Validates an ImageExport; throws `ValidationError` listing every problem. */
export function parseImageExport(input: unknown, options?: ParseOptions): ImageExport {
  return parseOrThrow(ImageExportSchema, 'ImageExport', input, options);
}
/** Validates an OCI Repository (core v1beta1); defaults scheme=https, accessMode=Read. */
export function parseRepository(input: unknown): Repository {
  return parseOrThrow(RepositorySchema, 'Repository', input);
}
/** Validates an ImageBuildList and every build in it; throws `ValidationError` listing every problem. */
export function parseImageBuildList(input: unknown, options?: ParseOptions): ImageBuildList {
  return parseOrThrow(ImageBuildListSchema, 'ImageBuildList', input, options);
}
/** Validates an ImageExportList and every export in it; throws `ValidationError` listing every problem. */
export function parseImageExportList(input: unknown, options?: ParseOptions): ImageExportList {
  return parseOrThrow(ImageExportListSchema, 'ImageExportList', input, options);
}
/** Validates a RepositoryList and every repository in it (defaults applied); throws `ValidationError`. */
export function parseRepositoryList(input: unknown): RepositoryList {
  return parseOrThrow(RepositoryListSchema, 'RepositoryList', input);
}
/** Validates a `newversion` request body. */
export function parseImageBuildNewVersionRequest(input: unknown): ImageBuildNewVersionRequest {
  return parseOrThrow(ImageBuildNewVersionRequestSchema, 'ImageBuildNewVersionRequest', input);
}
/** Validates an API error body. */
export function parseStatus(input: unknown): Status {
  return parseOrThrow(StatusSchema, 'Status', input);
}
