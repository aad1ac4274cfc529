/** One osbuild stage of a conversion: `index` of `count` (count unknown until the manifest is read). */
export interface ConverterStage {
  /** 1-based position among the stages run so far. */
  index: number;
  /** Stages the exported pipelines hold (cached stages are skipped by osbuild, so `index` may end below it). */
  count: number | undefined;
  /** Stage type, e.g. `org.osbuild.qemu`. */
  name: string;
  /** The osbuild pipeline it belongs to, e.g. `image`. */
  pipeline: string | undefined;
}

// osbuild's LogMonitor (what bootc-image-builder --progress verbose shows): "Pipeline <name>: <id>",
// then per stage "<type>: <id> {options…"; ANSI bold codes only on a terminal.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const PIPELINE = /^Pipeline (\S+): [0-9a-f]{64}\s*$/;
const STAGE = /^(org\.osbuild\.[A-Za-z0-9][A-Za-z0-9._-]{0,120}): [0-9a-f]{64}(?:\s|$)/;

/**
 * Turns converter output lines into stages. `useManifest()` gives the osbuild manifest the converter
 * saved (`manifest-<types>.json`) and the exported pipeline names, for the stage count.
 */
export class ConverterStageTracker {
  #index = 0;
  #count: number | undefined;
  #pipeline: string | undefined;

  /** Reads the stage count from the saved osbuild manifest and the names of the exported pipelines. */
  useManifest(manifest: unknown, exports: readonly string[]): void {
    this.#count = countStages(manifest, exports);
  }

  /** Stages the exported pipelines hold; undefined until `useManifest` found them. */
  get count(): number | undefined {
    return this.#count;
  }

  /** The stage a line starts, if it starts one. */
  line(raw: string): ConverterStage | undefined {
    if (raw.length > 4096) return undefined;
    const text = raw.includes(String.fromCharCode(27)) ? raw.replace(ANSI, '') : raw;
    const p = PIPELINE.exec(text);
    if (p) {
      this.#pipeline = p[1];
      return undefined;
    }
    const s = STAGE.exec(text);
    if (!s?.[1]) return undefined;
    this.#index++;
    const count = this.#count !== undefined && this.#count >= this.#index ? this.#count : undefined;
    return { index: this.#index, count, name: s[1], pipeline: this.#pipeline };
  }
}

interface Pipeline {
  name: string;
  build?: string;
  stages: unknown[];
}

/** Stages of the exported pipelines and of every pipeline they reference (`name:<pipeline>`), each once. */
export function countStages(manifest: unknown, exports: readonly string[]): number | undefined {
  const list = (manifest as { pipelines?: unknown } | null)?.pipelines;
  if (!Array.isArray(list)) return undefined;
  const byName = new Map<string, Pipeline>();
  for (const p of list as Pipeline[]) {
    if (p && typeof p.name === 'string' && Array.isArray(p.stages)) byName.set(p.name, p);
  }
  const seen = new Set<string>();
  const todo = exports.filter((e) => byName.has(e));
  if (todo.length === 0) return undefined;
  let count = 0;
  while (todo.length > 0) {
    const name = todo.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    const p = byName.get(name);
    if (!p) continue;
    count += p.stages.length;
    const refs: string[] = [];
    if (typeof p.build === 'string') refs.push(p.build);
    collectRefs(p.stages, refs);
    for (const r of refs) {
      const dep = r.slice('name:'.length);
      if (byName.has(dep) && !seen.has(dep)) todo.push(dep);
    }
  }
  return count;
}

/** Every `name:<pipeline>` string in a JSON value (iterative: no recursion depth limit). */
function collectRefs(value: unknown, out: string[]): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.startsWith('name:')) out.push(v);
    } else if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
    } else if (v && typeof v === 'object') {
      for (const x of Object.values(v)) stack.push(x);
    }
  }
}
