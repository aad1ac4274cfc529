/**
 * An HTTP proxy in front of the real plain registry that refuses (403 DENIED, as a registry's
 * authorisation would) every manifest PUT whose body mentions a given media type, and forwards
 * everything else unchanged: the image push goes through, the SBOM referrer push is refused.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RefusingRegistry {
  readonly address: string;
  readonly refused: number;
  close(): Promise<void>;
}

export async function startRefusingRegistry(target: string, refuseMediaType: string): Promise<RefusingRegistry> {
  const [host, port] = target.split(':') as [string, string];
  let refused = 0;
  const forward = (req: IncomingMessage, body: Buffer | undefined, res: import('node:http').ServerResponse) => {
    const up = request({ host, port: Number(port), method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    if (body) up.end(body);
    else req.pipe(up);
  };
  const server: Server = createServer((req, res) => {
    if (req.method === 'PUT' && /\/manifests\//.test(req.url ?? '')) {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 4 * 1024 * 1024) req.destroy();
        else chunks.push(c);
      });
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (body.includes(refuseMediaType)) {
          refused++;
          res.writeHead(403, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({ errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] }),
          );
        } else forward(req, body, res);
      });
      return;
    }
    forward(req, undefined, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    address,
    get refused() {
      return refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
