import { EngineError } from '@imagebuild/core/errors';
import { describe, expect, it } from 'vitest';
import { tlsFailure } from './tls-failure.js';

const name = 'engine at tcp://h:2376';
const coded = (code: string, message = code): Error => Object.assign(new Error(message), { code });
/** As the dial layer wraps transport errors: an EngineError whose cause is Node's error. */
const wrapped = (cause: Error): EngineError =>
  new EngineError(name, `GET /_ping: connection failed: ${cause.message}`, { cause });

describe('tlsFailure', () => {
  it('client certificate refused (with material): says which alert and what the certificate must satisfy', () => {
    const err = tlsFailure(
      name,
      { url: 'tcp://h:2376', tls: { ca: 'c', cert: 'c', key: 'k' } },
      wrapped(coded('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE')),
    );
    expect(err).toBeInstanceOf(EngineError);
    expect(err?.message).toBe(
      `${name}: the engine refused the TLS client certificate (TLS alert: bad certificate); engine.tls.cert must be signed by a CA the engine trusts (dockerd --tlscacert), valid now and for client authentication, and match engine.tls.key`,
    );
    expect(err?.cause).toBeInstanceOf(EngineError);
  });

  it('TLS 1.3 certificate_required without a client certificate: asks for one', () => {
    const err = tlsFailure(
      name,
      { url: 'tcp://h:2376', tls: { ca: 'c' } },
      wrapped(coded('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED')),
    );
    expect(err?.message).toContain('(TLS alert: certificate required); no client certificate was given');
  });

  it("engine certificate not trusted: names Node's code and engine.tls.ca", () => {
    const err = tlsFailure(
      name,
      { url: 'tcp://h:2376', tls: {} },
      wrapped(coded('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain')),
    );
    expect(err?.message).toContain(
      "the engine's TLS certificate is not trusted (SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain)",
    );
    expect(err?.message).toContain('engine.tls.ca');
  });

  it('plain HTTP to a TLS listener: says TLS is required', () => {
    const err = tlsFailure(
      name,
      { url: 'tcp://h:2376' },
      new EngineError(name, 'GET /_ping failed with HTTP 400: Client sent an HTTP request to an HTTPS server.'),
    );
    expect(err?.message).toContain('the engine requires TLS but no TLS material was given');
  });

  it('anything else is not a TLS failure', () => {
    expect(
      tlsFailure(name, { url: 'tcp://h:2376' }, wrapped(coded('ECONNREFUSED', 'connect ECONNREFUSED'))),
    ).toBeUndefined();
    expect(
      tlsFailure(name, { url: 'tcp://h:2376' }, new EngineError(name, 'GET /_ping failed with HTTP 500: boom')),
    ).toBeUndefined();
    expect(tlsFailure(name, { url: 'tcp://h:2376' }, 'not an error')).toBeUndefined();
  });
});
