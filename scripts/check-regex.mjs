#!/usr/bin/env node
// ReDoS lint: every regular expression literal (and `new RegExp('literal')`) in the packages' sources is
// checked by recheck (pure-JS backend, no JVM or native binary). Any expression recheck calls
// vulnerable — or cannot decide — fails the run. Usage: `npm run check:regex [-- paths…]`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

process.env.RECHECK_BACKEND = 'pure';
const { checkSync } = await import('recheck');

const root = new URL('..', import.meta.url).pathname;
const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['packages'];
const SKIP = /(^|\/)(node_modules|dist|generated)(\/|$)|\.test\.ts$|\.d\.ts$/;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (SKIP.test(relative(root, p))) continue;
    if (statSync(p).isDirectory()) yield* files(p);
    else if (/\.(ts|mts|js|mjs)$/.test(name)) yield p;
  }
}

function regexes(path) {
  const text = readFileSync(path, 'utf8');
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const out = [];
  const visit = (node) => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const lit = node.getText(sf);
      const end = lit.lastIndexOf('/');
      out.push({ source: lit.slice(1, end), flags: lit.slice(end + 1), node });
    } else if (
      ts.isNewExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'RegExp' &&
      node.arguments?.[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      const flags = node.arguments[1] && ts.isStringLiteralLike(node.arguments[1]) ? node.arguments[1].text : '';
      out.push({ source: node.arguments[0].text, flags, node });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out.map((r) => ({ ...r, line: sf.getLineAndCharacterOfPosition(r.node.getStart(sf)).line + 1 }));
}

let checked = 0;
const bad = [];
for (const dir of roots) {
  for (const file of files(join(root, dir))) {
    for (const r of regexes(file)) {
      checked++;
      // Sticky/global flags do not change the matching automaton; recheck rejects some combinations.
      const res = checkSync(r.source, r.flags.replace(/[gy]/g, ''), { timeout: 60_000 });
      if (res.status !== 'safe') {
        const why = res.status === 'vulnerable' ? `${res.complexity.type} (attack: ${res.attack.pattern})` : res.status;
        bad.push(`${relative(root, file)}:${r.line}  /${r.source}/${r.flags}  ${why}`);
      }
    }
  }
}
if (bad.length) {
  console.error(`check-regex: ${bad.length} of ${checked} regular expressions are not linear-time:\n${bad.join('\n')}`);
  process.exit(1);
}
console.log(`check-regex: ${checked} regular expressions, all linear-time`);
