/**
 * Starts a node:http server around a handler and records every response (status, media type and,
 * for JSON, the parsed body) so tests can validate each one against the OpenAPI documents.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordedResponse } from './response-validator.js';

export interface RecordingServer {
  url: string;
  responses: RecordedResponse[];
  server: Server;
  close(): Promise<void>;
}

export async function startRecordingServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  basePath = '',
): Promise<RecordingServer> {
  const responses: RecordedResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    const write = res.write.bind(res) as (...a: unknown[]) => boolean;
    const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
    let contentType = '';
    const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => ServerResponse;
    res.writeHead = ((...args: unknown[]) => {
      const headers = args.find((a) => typeof a === 'object' && a !== null && !Array.isArray(a)) as
        | Record<string, unknown>
        | undefined;
      const found = headers && Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type');
      if (found) contentType = String(found[1]);
      return writeHead(...args);
    }) as typeof res.writeHead;
    const type = (): string => contentType || String(res.getHeader('content-type') ?? '');
    const isJson = (): boolean => type().startsWith('application/json');
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (isJson() && chunk) chunks.push(Buffer.from(chunk as Buffer));
      return write(chunk, ...rest);
    }) as typeof res.write;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (isJson() && chunk && typeof chunk !== 'function') chunks.push(Buffer.from(chunk as Buffer));
      const path = new URL(req.url ?? '/', 'http://x').pathname.slice(basePath.length);
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = isJson() ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      responses.push({ method: req.method ?? 'GET', path, status: res.statusCode, contentType: type(), body });
      return end(chunk, ...rest);
    }) as typeof res.end;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    responses,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
