import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { ImageBuilderClientOptions } from '../config.js';

/** The keep-alive agents of one client; TLS options (CA, mTLS, verification, SNI) on the https one. */
export interface Agents {
  http: HttpAgent;
  https: HttpsAgent;
  close(): void;
}

export function createAgents(options: ImageBuilderClientOptions): Agents {
  const tls = options.tls ?? {};
  const https = new HttpsAgent({
    keepAlive: true,
    minVersion: 'TLSv1.2',
    ...(tls.ca !== undefined ? { ca: Array.isArray(tls.ca) ? [...tls.ca] : (tls.ca as string | Buffer) } : {}),
    ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
    ...(tls.key !== undefined ? { key: tls.key } : {}),
    ...(tls.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
    ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
  });
  const http = new HttpAgent({ keepAlive: true });
  return {
    http,
    https,
    close: () => {
      http.destroy();
      https.destroy();
    },
  };
}
