// The README's code blocks that CI compiles and runs: each is a fenced block right after a
// `<!-- snippet: <file name> -->` line. `scripts/consumer-check.mjs` writes them to files of those
// names in a consumer project that installed the packed packages; test/readme/readme.test.ts checks
// that every TypeScript block of the README is one of them.
import { readFileSync } from 'node:fs';

const MARKER = /^<!-- snippet: ([\w.-]+) -->$/;

/** @returns {{ name: string, lang: string, code: string, line: number }[]} */
export function readmeSnippets(text) {
  const lines = text.split('\n');
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const m = MARKER.exec(lines[i].trim());
    if (!m) continue;
    const open = /^```(\w+)$/.exec(lines[i + 1] ?? '');
    if (!open) throw new Error(`README line ${i + 1}: snippet ${m[1]} is not followed by a fenced code block`);
    const end = lines.indexOf('```', i + 2);
    if (end < 0) throw new Error(`README line ${i + 2}: unterminated code block`);
    out.push({ name: m[1], lang: open[1], code: `${lines.slice(i + 2, end).join('\n')}\n`, line: i + 3 });
    i = end;
  }
  const names = out.map((s) => s.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`README: snippet ${dup} appears twice`);
  return out;
}

/** The README at the repository root (`root` is a file: URL of the root folder, with a trailing slash). */
export const readmeText = (root) => readFileSync(new URL('README.md', root), 'utf8');
