#!/usr/bin/env node
// A stand-in for the two Flight Control core API endpoints the README's enrollment.mts uses (no Flight Control
// server runs offline): POST/GET /api/v1/certificatesigningrequests[/name] — the CSR is signed by a throwaway
// CA with openssl, which also checks that the client's PKCS#10 request is valid — and GET
// /api/v1/enrollmentconfig?csr=name. Prints `listening <port>`; scripts/consumer-check.mjs starts it.
//   node enrollment-standin.mjs <work dir>
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const dir = process.argv[2];
const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');
openssl(
  'req',
  '-x509',
  '-newkey',
  'ec',
  '-pkeyopt',
  'ec_paramgen_curve:P-256',
  '-nodes',
  '-keyout',
  'ca.key',
  '-out',
  'ca.crt',
  '-days',
  '1',
  '-subj',
  '/CN=stand-in enrollment CA',
);
const caPem = readFileSync(join(dir, 'ca.crt'), 'utf8');
const csrs = new Map();
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

const send = (res, code, body) => {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const notFound = (res, what) =>
  send(res, 404, {
    apiVersion: 'v1beta1',
    kind: 'Status',
    status: 'Failure',
    code: 404,
    reason: 'NotFound',
    message: what,
  });

const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (d) => {
    body += d;
    if (body.length > 1 << 20) req.destroy();
  });
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://standin');
    if (req.method === 'POST' && url.pathname === '/api/v1/certificatesigningrequests') {
      const csr = JSON.parse(body);
      const name = csr.metadata?.name;
      if (!NAME.test(name ?? '')) return send(res, 400, { kind: 'Status', code: 400, message: 'metadata.name' });
      writeFileSync(join(dir, `${name}.csr`), Buffer.from(csr.spec.request, 'base64'));
      openssl('req', '-verify', '-noout', '-in', `${name}.csr`);
      openssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '1',
        '-out',
        `${name}.crt`,
      );
      csrs.set(name, { csr, cert: readFileSync(join(dir, `${name}.crt`), 'utf8') });
      return send(res, 201, { ...csr, status: { conditions: [] } });
    }
    const m = /^\/api\/v1\/certificatesigningrequests\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && m) {
      const found = csrs.get(m[1]);
      if (!found) return notFound(res, `CertificateSigningRequest ${m[1]}`);
      return send(res, 200, { ...found.csr, status: { conditions: [], certificate: b64(found.cert) } });
    }
    if (req.method === 'GET' && url.pathname === '/api/v1/enrollmentconfig') {
      const found = csrs.get(url.searchParams.get('csr') ?? '');
      if (!found) return notFound(res, 'csr');
      return send(res, 200, {
        'enrollment-service': {
          authentication: { 'client-certificate-data': b64(found.cert), 'client-key-data': '' },
          service: { 'certificate-authority-data': b64(caPem), server: 'https://agent-api.standin.invalid:7443' },
        },
      });
    }
    return notFound(res, url.pathname);
  });
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
