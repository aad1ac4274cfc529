interface Step {
  node: unknown;
  parent: Step | undefined;
  key: PropertyKey;
}

function pathTo(step: Step | undefined): PropertyKey[] {
  const out: PropertyKey[] = [];
  for (let s = step; s?.parent; s = s.parent) out.push(s.key);
  return out.reverse();
}

/**
 * The path of the first own `__proto__` key in a decoded document, if any. Zod copies records by
 * assignment, so such a key (a label, say) would silently vanish; we refuse it instead. Iterative with
 * parent links (the path is built only when found): linear, and safe at any nesting depth.
 */
export function findPrototypeKey(value: unknown): PropertyKey[] | undefined {
  const stack: Step[] = [{ node: value, parent: undefined, key: '' }];
  while (stack.length > 0) {
    const step = stack.pop()!;
    const node = step.node;
    if (typeof node !== 'object' || node === null) continue;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) stack.push({ node: node[i], parent: step, key: i });
      continue;
    }
    if (Object.hasOwn(node, '__proto__')) return [...pathTo(step), '__proto__'];
    for (const [k, v] of Object.entries(node)) stack.push({ node: v, parent: step, key: k });
  }
  return undefined;
}
