// No import cycle inside packages/oci/src, type-only imports included: a cycle means two modules
// that can only be understood together (and, at run time, one of them half-initialised).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Relative specifiers of every `import … from`, `export … from`, `import('…')` and side-effect import. */
function relativeImports(text: string): string[] {
  const specs: string[] = [];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s*)['"](\.{1,2}\/[^'"]+)['"]/gm;
  for (const m of text.matchAll(pattern)) specs.push(m[1] as string);
  return specs;
}

/** The graph of `files`: each file to the files it imports (`.js` specifiers name `.ts` sources). */
function graph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const targets = relativeImports(readFileSync(file, 'utf8'))
      .map((spec) => resolve(dirname(file), spec.replace(/\.js$/, '.ts')))
      .map((t) => (known.has(t) ? t : join(t, 'index.ts')))
      .filter((t) => known.has(t));
    edges.set(file, targets);
  }
  return edges;
}

/** Every cycle found by a depth-first search, each as the list of files along it. */
function cycles(edges: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node);
  return found;
}

describe('import graph of packages/oci/src', () => {
  it('the parser sees every import form, and the search finds a planted cycle', () => {
    expect(
      relativeImports(
        "import a from './a.js';\nimport type { B } from '../b.js';\nexport { c } from './c.js';\nimport './d.js';\nconst e = await import('./e.js');\nimport x from 'node:fs';",
      ),
    ).toEqual(['./a.js', '../b.js', './c.js', './d.js', './e.js']);
    const planted = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(cycles(planted)).toEqual([['a', 'b', 'c', 'a']]);
  });

  it('has no cycle', () => {
    const files = sources(SRC);
    expect(files.length).toBeGreaterThan(20);
    const found = cycles(graph(files)).map((c) => c.map((f) => relative(SRC, f)).join(' → '));
    expect(found).toEqual([]);
  });
});
