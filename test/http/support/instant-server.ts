/**
 * The adapter over a real ImageBuilder whose runner is the builder's instant test runner (no
 * engine), on an ephemeral port; and a raw `node:http` request helper that sends exactly the
 * headers given (fetch would add `Accept: *\/*` and others).
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ImageBuilder } from '@imagebuild/builder';
import { createImageBuilderHandler, type ImageBuilderHandlerOptions } from '@imagebuild/http';
import { InstantRunner, type InstantRunnerOptions } from '../../../packages/builder/test/instant-runner.js';

export const TOKEN = 'instant-test-token-5678';

export interface InstantServer {
  url: string;
  builder: ImageBuilder;
  server: Server;
  /** Every response object the handler was given, newest last. */
  responses: ServerResponse[];
  close(): Promise<void>;
}

export async function startInstantServer(
  runner: InstantRunnerOptions = {},
  options: ImageBuilderHandlerOptions = {},
): Promise<InstantServer> {
  const builder = new ImageBuilder({ runners: [new InstantRunner(runner)], logTailLines: 100 });
  const handler = createImageBuilderHandler(builder, {
    auth: (req) => req.headers.authorization === `Bearer ${TOKEN}`,
    ...options,
  });
  const responses: ServerResponse[] = [];
  const server = createServer((req, res) => {
    responses.push(res);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    builder,
    server,
    responses,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await builder.close();
    },
  };
}

export interface RawResponse {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
}

/** One request with exactly these headers (plus Host, and Content-Length for a body). */
export function send(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

export const auth = { authorization: `Bearer ${TOKEN}` };
export const json = { ...auth, 'content-type': 'application/json' };

export const repository = (name: string, registry = '127.0.0.1:5000') => ({
  apiVersion: 'flightctl.io/v1beta1',
  kind: 'Repository',
  metadata: { name },
  spec: { type: 'oci', registry, scheme: 'http', accessMode: 'ReadWrite' },
});

export const build = (name: string) => ({
  apiVersion: 'flightctl.io/v1alpha1',
  kind: 'ImageBuild',
  metadata: { name },
  spec: {
    source: { repository: 'src', imageName: 'fixtures/bootc-base', imageTag: 'latest' },
    destination: { repository: 'dst', imageName: `out/${name}`, imageTag: 'v1' },
    binding: { type: 'late' },
  },
});

/** Creates the `src` and `dst` repositories the builds above use. */
export async function addRepositories(url: string): Promise<void> {
  for (const name of ['src', 'dst']) {
    const r = await send(`${url}/api/v1/repositories`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify(repository(name)),
    });
    if (r.status !== 201) throw new Error(`repository ${name}: ${r.status} ${r.text}`);
  }
}
