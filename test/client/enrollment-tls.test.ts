/**
 * Early-binding enrollment through the CSR flow, against a local server that implements the three
 * core endpoints and signs with a real CA (openssl, test side only: the client's CSR code is
 * openssl-free, so openssl here independently checks that the PKCS#10 request is valid).
 * Also: custom CA trust for an https server.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '@imagebuild/core/errors';
import { ENROLLMENT_SIGNER, ImageBuilderClient } from '@imagebuild/client';
import { issueTestCert, makeTestCa } from '@imagebuild/testkit';
import { json, sampleBuild, startScriptedServer, status, type ScriptedServer } from './support/scripted-server.js';

const dir = mkdtempSync(join(tmpdir(), 'ib-enroll-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const openssl = (...args: string[]): string =>
  execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
let caPem = '';

beforeAll(() => {
  makeTestCa(dir, 'imagebuild-test-ca');
  caPem = readFileSync(join(dir, 'ca.crt'), 'utf8');
  issueTestCert(dir, 'srv', '127.0.0.1', 'IP:127.0.0.1');
});

let srv: ScriptedServer | undefined;
let client: ImageBuilderClient | undefined;
afterEach(async () => {
  await client?.close();
  await srv?.close();
  client = srv = undefined;
});

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** A minimal Flight Control core: CSRs signed (after one poll) by the test CA, and /enrollmentconfig. */
function enrollmentServer(deny = false) {
  const csrs = new Map<string, { body: Record<string, unknown>; cert?: string; polls: number }>();
  return startScriptedServer((req, res) => {
    const p = req.url.pathname;
    if (req.method === 'POST' && p === '/api/v1/certificatesigningrequests') {
      const body = JSON.parse(req.body) as {
        metadata: { name: string };
        spec: { request: string; signerName: string; usages: string[] };
      };
      if (body.spec.signerName !== ENROLLMENT_SIGNER) return json(res, 400, status(400, 'bad signer'));
      const pem = Buffer.from(body.spec.request, 'base64').toString('utf8');
      writeFileSync(join(dir, `${body.metadata.name}.csr`), pem);
      openssl('req', '-in', `${body.metadata.name}.csr`, '-verify', '-noout'); // throws (→ socket destroyed) when invalid
      openssl(
        'x509',
        '-req',
        '-in',
        `${body.metadata.name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '1',
        '-out',
        `${body.metadata.name}.crt`,
      );
      csrs.set(body.metadata.name, {
        body,
        cert: readFileSync(join(dir, `${body.metadata.name}.crt`), 'utf8'),
        polls: 0,
      });
      return json(res, 201, { ...body, status: { conditions: [] } });
    }
    const m = /^\/api\/v1\/certificatesigningrequests\/(.+)$/.exec(p);
    if (req.method === 'GET' && m) {
      const csr = csrs.get(m[1]!);
      if (!csr) return json(res, 404, status(404, 'not found'));
      csr.polls++;
      if (deny) {
        return json(res, 200, {
          ...csr.body,
          status: {
            conditions: [
              {
                type: 'Denied',
                status: 'True',
                reason: 'Policy',
                message: 'not allowed here',
                lastTransitionTime: new Date().toISOString(),
              },
            ],
          },
        });
      }
      const signed = csr.polls > 1 ? { certificate: b64(csr.cert!) } : {};
      return json(res, 200, { ...csr.body, status: { conditions: [], ...signed } });
    }
    if (req.method === 'GET' && p === '/api/v1/enrollmentconfig') {
      const csr = csrs.get(req.url.searchParams.get('csr') ?? '');
      if (!csr) return json(res, 404, status(404, 'csr not found'));
      return json(res, 200, {
        'enrollment-service': {
          authentication: { 'client-certificate-data': b64(csr.cert!), 'client-key-data': '' },
          service: { 'certificate-authority-data': b64(caPem), server: 'https://agent-api.example.com:7443' },
          'enrollment-ui-endpoint': 'https://ui.example.com',
        },
      });
    }
    return json(res, 404, status(404, `${p} not found`));
  });
}

describe('requestEnrollmentConfig', () => {
  it('generates a P-256 key and CSR, waits for the certificate and returns core EnrollmentConfig', async () => {
    srv = await enrollmentServer();
    client = new ImageBuilderClient({ baseUrl: srv.url, coreBaseUrl: srv.url, token: 't' });
    const cfg = await client.requestEnrollmentConfig({ name: 'imagebuild-enroll-1', pollIntervalMs: 10 });
    expect(cfg.serviceUrl).toBe('https://agent-api.example.com:7443');
    expect(cfg.uiEndpoint).toBe('https://ui.example.com');
    expect(cfg.certificateAuthority).toBe(caPem);
    const cert = new X509Certificate(cfg.clientCertificate);
    expect(cert.subject).toBe('CN=imagebuild-enroll-1');
    expect(cert.checkPrivateKey(createPrivateKey(cfg.clientKey))).toBe(true);
    expect(cert.verify(new X509Certificate(caPem).publicKey)).toBe(true);
    const post = srv.seen.find((s) => s.method === 'POST')!;
    const sent = JSON.parse(post.body) as { spec: { usages: string[] }; apiVersion: string };
    expect(sent.spec.usages).toEqual(['clientAuth', 'CA:false']);
    expect(post.headers['flightctl-api-version']).toBe('v1beta1');
    expect(post.body).not.toContain('PRIVATE KEY');
  });

  it('fails with the reason when the CSR is denied', async () => {
    srv = await enrollmentServer(true);
    client = new ImageBuilderClient({ baseUrl: srv.url, coreBaseUrl: srv.url });
    const err = (await client.requestEnrollmentConfig({ pollIntervalMs: 10 }).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toMatch(/was not signed: Denied: not allowed here/);
  });
});

describe('TLS', () => {
  it('trusts a custom CA, and refuses the server without it', async () => {
    const https = createHttpsServer({
      key: readFileSync(join(dir, 'srv.key')),
      cert: readFileSync(join(dir, 'srv.crt')),
    });
    srv = await startScriptedServer((_req, res) => json(res, 200, sampleBuild('tls')), https);
    expect(srv.url.startsWith('https://')).toBe(true);
    client = new ImageBuilderClient({ baseUrl: srv.url, tls: { ca: caPem } });
    expect((await client.imageBuilds.get('tls')).metadata.name).toBe('tls');
    const untrusting = new ImageBuilderClient({ baseUrl: srv.url, retry: { retries: 0 } });
    const err = (await untrusting.imageBuilds.get('tls').catch((e: unknown) => e)) as ApiError;
    await untrusting.close();
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(0);
    expect(err.message).toMatch(/certificate/i);
  });
});
