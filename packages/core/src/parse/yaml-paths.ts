import { isMap, isPair, isScalar, isSeq, type Document } from 'yaml';

interface Step {
  node: unknown;
  parent: Step | undefined;
  key: PropertyKey;
}

function pathTo(step: Step): PropertyKey[] {
  const out: PropertyKey[] = [];
  for (let s: Step | undefined = step; s?.parent; s = s.parent) out.push(s.key);
  return out.reverse();
}

/**
 * Field paths of the map keys that start at the given offsets (the yaml library reports a duplicate
 * key by offset only). One walk with parent links and an explicit stack: linear, no depth limit.
 */
export function keyPathsAt(doc: Document, offsets: ReadonlySet<number>): Map<number, PropertyKey[]> {
  const found = new Map<number, PropertyKey[]>();
  const stack: Step[] = [{ node: doc.contents, parent: undefined, key: '' }];
  while (stack.length > 0 && found.size < offsets.size) {
    const step = stack.pop()!;
    const node = step.node;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : '?';
        const here: Step = { node: pair.value, parent: step, key };
        const start = (pair.key as { range?: [number, number, number] } | null)?.range?.[0];
        if (start !== undefined && offsets.has(start)) found.set(start, pathTo(here));
        stack.push(here);
      }
    } else if (isSeq(node)) {
      for (let i = 0; i < node.items.length; i++) stack.push({ node: node.items[i], parent: step, key: i });
    }
  }
  return found;
}
