import { readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { parseDocuments, type DocumentResult } from '@imagebuild/core';
import { usage } from '../exit.js';

const MAX_INPUT_BYTES = 16 * 1024 * 1024;
const DOC_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** One document read from a `-f` source, with where it came from for messages. */
export type SourcedDocument = DocumentResult & { source: string };

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (const ch of pattern) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function listDir(dir: string, recursive: boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (recursive) out.push(...listDir(path, true));
    } else if (DOC_EXTENSIONS.has(extname(entry.name).toLowerCase())) out.push(path);
  }
  return out;
}

/** Expands one `-f` value: `-`, a file, a directory (`-R` descends), or a glob in the last path segment. */
export function expandSource(source: string, recursive: boolean): string[] {
  if (source === '-') return ['-'];
  const name = basename(source);
  if (/[*?]/.test(name)) {
    const dir = dirname(source);
    const re = globToRegExp(name);
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      // the usage message names the directory
      throw usage(`-f ${source}: directory ${dir} cannot be read`);
    }
    const files = entries
      .filter((e) => re.test(e))
      .sort()
      .map((e) => join(dir, e));
    if (files.length === 0) throw usage(`-f ${source}: no file matches`);
    return files.flatMap((f) => (statSync(f).isDirectory() ? listDir(f, recursive) : [f]));
  }
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(source);
  } catch {
    // the usage message names the path
    throw usage(`-f ${source}: no such file or directory`);
  }
  return st.isDirectory() ? listDir(source, recursive) : [source];
}

function readSource(path: string, stdin: () => string): string {
  if (path === '-') return stdin();
  const size = statSync(path).size;
  if (size > MAX_INPUT_BYTES) throw usage(`${path}: larger than ${MAX_INPUT_BYTES} bytes`);
  return readFileSync(path, 'utf8');
}

export function readStdin(): string {
  const chunks: Buffer[] = [];
  let total = 0;
  const buf = Buffer.alloc(65536);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buf, 0, buf.length, null);
    } catch (err) {
      if ((err as { code?: string }).code === 'EAGAIN') continue;
      if ((err as { code?: string }).code === 'EOF') break;
      throw err;
    }
    if (n === 0) break;
    total += n;
    if (total > MAX_INPUT_BYTES) throw usage(`standard input: larger than ${MAX_INPUT_BYTES} bytes`);
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads and parses every document of every source (invalid ones carry their errors). */
export function readDocuments(
  sources: readonly string[],
  options: { recursive?: boolean; stdin?: () => string } = {},
): SourcedDocument[] {
  if (sources.length === 0) throw usage('no input: give -f FILE (a file, directory, glob, or - for stdin)');
  const out: SourcedDocument[] = [];
  for (const source of sources)
    for (const path of expandSource(source, options.recursive === true)) {
      const text = readSource(path, options.stdin ?? readStdin);
      for (const doc of parseDocuments(text)) out.push({ ...doc, source: path === '-' ? 'stdin' : path });
    }
  return out;
}

/** The validation problems of the documents, one line each with the file, document and field. */
export function documentProblems(docs: readonly SourcedDocument[]): string[] {
  return docs.flatMap((d) =>
    d.ok
      ? []
      : d.error.issues.map((i) => `${d.source} document ${d.index + 1}: ${i.path || '(document)'}: ${i.message}`),
  );
}
