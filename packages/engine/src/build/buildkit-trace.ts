import { protoFields, protoNumber, protoString } from '../internal/protobuf-reader.js';

/** A BuildKit vertex (one build step) as `moby.buildkit.v1.StatusResponse` reports it. */
interface Vertex {
  digest: string;
  name: string;
  cached: boolean;
  started: boolean;
  completed: boolean;
  error: string;
}

interface Log {
  vertex: string;
  msg: string;
}

/** The parts of a StatusResponse this SDK shows: vertexes (1) and their logs (3). */
export function decodeStatusResponse(bytes: Uint8Array): { vertexes: Vertex[]; logs: Log[] } {
  const vertexes: Vertex[] = [];
  const logs: Log[] = [];
  for (const f of protoFields(bytes)) {
    if (f.wire !== 2) continue;
    if (f.no === 1) {
      const v: Vertex = { digest: '', name: '', cached: false, started: false, completed: false, error: '' };
      for (const g of protoFields(f.value)) {
        if (g.no === 1) v.digest = protoString(g);
        else if (g.no === 3) v.name = protoString(g);
        else if (g.no === 4) v.cached = protoNumber(g) !== 0;
        else if (g.no === 5) v.started = true;
        else if (g.no === 6) v.completed = true;
        else if (g.no === 7) v.error = protoString(g);
      }
      vertexes.push(v);
    } else if (f.no === 3) {
      const l: Log = { vertex: '', msg: '' };
      for (const g of protoFields(f.value)) {
        if (g.no === 1) l.vertex = protoString(g);
        else if (g.no === 4) l.msg = protoString(g);
      }
      logs.push(l);
    }
  }
  return { vertexes, logs };
}

/**
 * Turns dockerd's `moby.buildkit.trace` aux messages (base64 protobuf StatusResponse) into log
 * lines in the style of `docker build --progress=plain`: `#3 [2/4] RUN …`, `#3 <output>`,
 * `#3 DONE` / `#3 CACHED` / `#3 ERROR: …`. Vertexes are numbered in the order first seen.
 */
export class BuildkitTrace {
  readonly #numbers = new Map<string, number>();
  readonly #reported = new Map<string, { started: boolean; done: boolean }>();
  readonly #partial = new Map<string, string>();

  /** Lines for one trace message (`aux` is the base64 string). Undecodable input yields a note, not a throw. */
  lines(aux: string): string[] {
    let status: ReturnType<typeof decodeStatusResponse>;
    try {
      status = decodeStatusResponse(Buffer.from(aux, 'base64'));
    } catch (err) {
      return [`(undecodable BuildKit trace: ${err instanceof Error ? err.message : String(err)})`];
    }
    const out: string[] = [];
    for (const v of status.vertexes) {
      const n = this.#number(v.digest);
      const seen = this.#reported.get(v.digest) ?? { started: false, done: false };
      if (!seen.started && (v.started || v.completed || v.cached) && v.name) {
        out.push(`#${n} ${v.name}`);
        seen.started = true;
      }
      if (!seen.done && (v.completed || v.error)) {
        out.push(...this.#flush(v.digest, n));
        out.push(v.error ? `#${n} ERROR: ${v.error}` : v.cached ? `#${n} CACHED` : `#${n} DONE`);
        seen.done = true;
      }
      this.#reported.set(v.digest, seen);
    }
    for (const l of status.logs) {
      const n = this.#number(l.vertex);
      const text = (this.#partial.get(l.vertex) ?? '') + l.msg;
      const parts = text.split(/\r?\n/);
      this.#partial.set(l.vertex, parts.pop() ?? '');
      for (const p of parts) out.push(`#${n} ${p}`);
    }
    return out;
  }

  #flush(digest: string, n: number): string[] {
    const rest = this.#partial.get(digest);
    this.#partial.delete(digest);
    return rest ? [`#${n} ${rest}`] : [];
  }

  #number(digest: string): number {
    let n = this.#numbers.get(digest);
    if (n === undefined) {
      n = this.#numbers.size + 1;
      this.#numbers.set(digest, n);
    }
    return n;
  }
}
