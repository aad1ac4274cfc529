/**
 * A local node:http server whose behaviour each test scripts (fault injection for the client: drops,
 * delays, retries, Range). Records every request it saw.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface ScriptedServer {
  url: string;
  seen: SeenRequest[];
  server: Server;
  close(): Promise<void>;
}

export type Script = (req: SeenRequest, res: ServerResponse, raw: IncomingMessage) => void | Promise<void>;

export async function startScriptedServer(script: Script, server: Server = createServer()): Promise<ScriptedServer> {
  const seen: SeenRequest[] = [];
  server.on('request', (raw: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    raw.on('data', (c: Buffer) => chunks.push(c));
    raw.on('end', () => {
      const req: SeenRequest = {
        method: raw.method ?? 'GET',
        url: new URL(raw.url ?? '/', 'http://x'),
        headers: raw.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(req);
      void Promise.resolve(script(req, res, raw)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const scheme = 'setSecureContext' in server ? 'https' : 'http';
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    seen,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function status(code: number, message: string): Record<string, unknown> {
  return { apiVersion: 'flightctl.io/v1alpha1', kind: 'Status', code, message, reason: '', status: '' };
}

export const sampleBuild = (name: string): Record<string, unknown> => ({
  apiVersion: 'flightctl.io/v1alpha1',
  kind: 'ImageBuild',
  metadata: { name },
  spec: {
    source: { repository: 'src', imageName: 'a/b', imageTag: 'v1' },
    destination: { repository: 'dst', imageName: 'a/c', imageTag: 'v1' },
    binding: { type: 'late' },
  },
});
