/**
 * A TCP proxy in front of a real registry, for fault injection and observation: counts open
 * upstream connections and bytes sent to the client, records request heads, and can flip one
 * byte of what the registry sends (a corrupted transfer).
 */
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  /** `127.0.0.1:<port>`, usable as a Repository's `registry`. */
  readonly address: string;
  /** Upstream connections open now. */
  readonly open: number;
  /** Bytes passed from the registry to the client. */
  readonly bytesToClient: number;
  /** Text of every request the client sent (heads; bodies are small here). */
  readonly requests: string;
  /** Flip one byte this far into each upstream connection's response stream (undefined: never). */
  corruptAt: number | undefined;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const [host, port] = target.split(':') as [string, string];
  let open = 0;
  let bytesToClient = 0;
  let requests = '';
  const sockets = new Set<Socket>();
  const state = { corruptAt: undefined as number | undefined };
  const server = createServer((client) => {
    const upstream = connect(Number(port), host);
    open++;
    sockets.add(client).add(upstream);
    let seen = 0;
    upstream.on('close', () => open--);
    client.on('data', (d: Buffer) => {
      if (requests.length < 1_000_000) requests += d.toString('latin1');
    });
    upstream.on('data', (d: Buffer) => {
      const at = state.corruptAt;
      if (at !== undefined && seen <= at && at < seen + d.length) d[at - seen] = d[at - seen]! ^ 0xff;
      seen += d.length;
      bytesToClient += d.length;
    });
    client.pipe(upstream);
    upstream.pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    address,
    get open() {
      return open;
    },
    get bytesToClient() {
      return bytesToClient;
    },
    get requests() {
      return requests;
    },
    get corruptAt() {
      return state.corruptAt;
    },
    set corruptAt(v) {
      state.corruptAt = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
