import { createServer, connect, type Server, type Socket } from 'node:net';

/** Where a connection is cut: after `offset` bytes have passed through it (both directions counted). */
export interface CutPlan {
  offset: number;
}

export interface FaultProxyOptions {
  /** Upstream, loopback only (e.g. `127.0.0.1:5000`). */
  target: string;
  /** Probability that a new connection gets a cut (default 0.3). */
  probability?: number;
  /** Cut offsets are drawn uniformly from [minOffset, maxOffset] bytes (defaults 0 and 32 MiB). */
  minOffset?: number;
  maxOffset?: number;
  /** Custom plan per connection (index from 0); overrides the random plan. */
  plan?: (connection: number) => CutPlan | undefined;
  /** At most this many cuts in the proxy's life (default 100). */
  maxCuts?: number;
  /** The proxy stops itself after this many ms (default 10 minutes). */
  lifetimeMs?: number;
  /** Seed of the deterministic random generator (default: random). */
  seed?: number;
}

export interface FaultProxy {
  /** `127.0.0.1:<port>` to use instead of the target. */
  readonly address: string;
  readonly port: number;
  /** Connections accepted and cuts made so far. */
  readonly stats: { connections: number; cuts: number; bytes: number };
  stop(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]):(\d{1,5})$/;

/** mulberry32: small seeded PRNG so a failing run can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A TCP proxy for fault injection in tests: listens on 127.0.0.1 only, forwards
 * to a loopback target, and cuts connections (both sockets destroyed) once a
 * chosen number of bytes has passed. Bounded in cuts and in time: it stops
 * itself when `lifetimeMs` elapses.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const m = LOOPBACK.exec(options.target);
  if (!m) throw new Error(`fault proxy target must be a loopback host:port, got ${JSON.stringify(options.target)}`);
  const targetHost = m[1] === 'localhost' ? '127.0.0.1' : (m[1] ?? '127.0.0.1').replace(/^\[|\]$/g, '');
  const targetPort = Number(m[2]);
  const random = prng(options.seed ?? Math.floor(Math.random() * 2 ** 32));
  const probability = options.probability ?? 0.3;
  const minOffset = options.minOffset ?? 0;
  const maxOffset = options.maxOffset ?? 32 * 1024 * 1024;
  const maxCuts = options.maxCuts ?? 100;
  const stats = { connections: 0, cuts: 0, bytes: 0 };
  const sockets = new Set<Socket>();

  const server: Server = createServer((client) => {
    const index = stats.connections++;
    let plan = options.plan
      ? options.plan(index)
      : random() < probability
        ? { offset: Math.floor(minOffset + random() * (maxOffset - minOffset)) }
        : undefined;
    const upstream = connect(targetPort, targetHost);
    sockets.add(client);
    sockets.add(upstream);
    let passed = 0;
    let cut = false;
    const kill = (): void => {
      client.destroy();
      upstream.destroy();
    };
    const forward =
      (from: Socket, to: Socket) =>
      (chunk: Buffer): void => {
        if (cut) return;
        if (plan && stats.cuts < maxCuts && passed + chunk.length >= plan.offset) {
          const head = chunk.subarray(0, Math.max(0, plan.offset - passed));
          cut = true;
          stats.cuts++;
          plan = undefined;
          stats.bytes += head.length;
          if (head.length > 0) to.write(head, kill);
          else kill();
          return;
        }
        passed += chunk.length;
        stats.bytes += chunk.length;
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
      };
    client.on('data', forward(client, upstream));
    upstream.on('data', forward(upstream, client));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    for (const s of [client, upstream]) {
      s.on('error', kill);
      s.on('close', () => {
        sockets.delete(s);
        kill();
      });
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= new Promise<void>((resolve) => {
      clearTimeout(timer);
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
    return stopped;
  };
  const timer = setTimeout(() => void stop(), options.lifetimeMs ?? 10 * 60_000);
  timer.unref();
  return { address: `127.0.0.1:${port}`, port, stats, stop };
}
