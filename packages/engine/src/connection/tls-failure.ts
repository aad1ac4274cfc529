import { SdkError } from '@imagebuild/core';
import { EngineError } from '@imagebuild/core/errors';
import type { EngineEndpoint } from './endpoint.js';

/** TLS alerts an engine sends when it refuses our client certificate (or its absence). */
const CLIENT_CERT_ALERTS =
  /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(BAD_CERTIFICATE|CERTIFICATE_REQUIRED|CERTIFICATE_UNKNOWN|UNKNOWN_CA|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|UNSUPPORTED_CERTIFICATE|HANDSHAKE_FAILURE|ACCESS_DENIED)$/;

/** Node's codes for an engine certificate we do not trust. */
const SERVER_CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const PLAIN_TO_TLS = 'Client sent an HTTP request to an HTTPS server';

/**
 * Turns a failed first contact with a tcp engine into an error saying what is wrong with the TLS set-up
 * (client certificate refused or missing, engine certificate untrusted, TLS required but not given),
 * with the TLS library's wording kept as the cause. Undefined when the failure is not about TLS.
 */
export function tlsFailure(name: string, endpoint: EngineEndpoint, err: unknown): EngineError | undefined {
  const code = errorCode(err);
  const hasCert = endpoint.tls?.cert !== undefined && endpoint.tls.key !== undefined;
  const alert = code ? CLIENT_CERT_ALERTS.exec(code) : null;
  if (alert) {
    const what = (alert[1] ?? '').toLowerCase().replace(/_/g, ' ');
    const hint = hasCert
      ? 'engine.tls.cert must be signed by a CA the engine trusts (dockerd --tlscacert), valid now and for client authentication, and match engine.tls.key'
      : 'no client certificate was given: set engine.tls.cert and engine.tls.key (or DOCKER_CERT_PATH holding cert.pem and key.pem)';
    return new EngineError(name, `the engine refused the TLS client certificate (TLS alert: ${what}); ${hint}`, {
      cause: err,
    });
  }
  if (code && SERVER_CERT_CODES.has(code)) {
    const detail = err instanceof Error && err.cause instanceof Error ? err.cause.message : code;
    return new EngineError(
      name,
      `the engine's TLS certificate is not trusted (${code}: ${detail}); engine.tls.ca (or ca.pem in DOCKER_CERT_PATH) must hold the CA that signed it, for the host in the URL`,
      { cause: err },
    );
  }
  if (err instanceof Error && err.message.includes(PLAIN_TO_TLS)) {
    return new EngineError(
      name,
      'the engine requires TLS but no TLS material was given: set engine.tls (ca, cert, key), use an https:// URL, or set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH',
      { cause: err },
    );
  }
  return undefined;
}

/** The first `code` found along the cause chain. */
function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof SdkError) continue;
    const code = (e as Error & { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}
