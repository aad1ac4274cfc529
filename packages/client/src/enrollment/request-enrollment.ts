import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { CORE_API_VERSION } from '@imagebuild/core';
import { validateEnrollmentConfig, type EnrollmentConfig } from '@imagebuild/core/containerfile';
import { ApiError, registerSecret } from '@imagebuild/core/errors';
import { KINDS } from '@imagebuild/core/resources';
import { requireCore, type ClientDeps } from '../context.js';
import { unwrap } from '../errors.js';
import { createCsrPem } from '../internal/pkcs10.js';
import { pollUntil } from '../wait-for.js';
import type { CertificateSigningRequest } from '../types.js';

/** Signer name of the CSR that `requestEnrollmentConfig` creates. */
export const ENROLLMENT_SIGNER = 'flightctl.io/enrollment';

/** Options of `requestEnrollmentConfig`. */
export interface EnrollmentRequestOptions {
  /** CSR resource name (also the certificate's CN). Default `imagebuild-<random>`. */
  name?: string;
  /** Requested certificate lifetime. Default: the signer's (a year upstream). */
  expirationSeconds?: number;
  /** Stops the flow (AbortError). */
  signal?: AbortSignal;
  /** How long to wait for the certificate to be issued. Default 2 min. */
  timeout?: number;
  /** Interval between reads of the CSR while waiting for its certificate. Default 1 s. */
  pollIntervalMs?: number;
}

const fromBase64Pem = (data: string): string => {
  const text = data.includes('-----BEGIN') ? data : Buffer.from(data, 'base64').toString('utf8');
  return text.endsWith('\n') ? text : `${text}\n`;
};

function denial(csr: CertificateSigningRequest): string | undefined {
  const c = csr.status?.conditions?.find((x) => (x.type === 'Denied' || x.type === 'Failed') && x.status === 'True');
  return c ? `${c.type}: ${c.message || c.reason}` : undefined;
}

/** The `flightctl certificate request` flow, returning core's `EnrollmentConfig` (PEM fields). */
export async function requestEnrollmentConfig(
  ctx: ClientDeps,
  options: EnrollmentRequestOptions = {},
): Promise<EnrollmentConfig> {
  const core = requireCore(ctx, 'enrollment');
  const name = options.name ?? `imagebuild-${randomUUID().slice(0, 8)}`;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPem = privateKey.export({ type: 'sec1', format: 'pem' }).toString();
  registerSecret(keyPem);
  const csrPem = createCsrPem(privateKey, publicKey, name);
  const sig = options.signal ? { signal: options.signal } : {};
  const spec: CertificateSigningRequest['spec'] = {
    request: Buffer.from(csrPem, 'utf8').toString('base64'),
    signerName: ENROLLMENT_SIGNER,
    usages: ['clientAuth', 'CA:false'],
    ...(options.expirationSeconds === undefined ? {} : { expirationSeconds: options.expirationSeconds }),
  };
  const created = unwrap(
    await core.POST('/certificatesigningrequests', {
      body: { apiVersion: CORE_API_VERSION, kind: KINDS.CertificateSigningRequest, metadata: { name }, spec },
      ...ctx.coreCall(options.signal),
    }),
    `create CertificateSigningRequest ${name}`,
  );
  const signed = created.status?.certificate
    ? created
    : await pollUntil(
        async (signal) => {
          const csr = unwrap(
            await core.GET('/certificatesigningrequests/{name}', {
              params: { path: { name } },
              ...ctx.coreCall(signal),
            }),
            `get CertificateSigningRequest ${name}`,
          );
          const denied = denial(csr);
          if (denied)
            throw new ApiError(403, `CertificateSigningRequest ${name} was not signed: ${denied}`, { body: csr });
          return csr;
        },
        (csr) => Boolean(csr.status?.certificate),
        `certificate of CertificateSigningRequest ${name}`,
        { ...sig, timeout: options.timeout ?? 120_000, intervalMs: options.pollIntervalMs ?? 1000 },
      );
  const wire = unwrap(
    await core.GET('/enrollmentconfig', { params: { query: { csr: name } }, ...ctx.coreCall(options.signal) }),
    `get enrollment config for ${name}`,
  );
  const es = wire['enrollment-service'];
  const certificate = signed.status?.certificate || es.authentication['client-certificate-data'];
  return validateEnrollmentConfig({
    serviceUrl: es.service.server,
    certificateAuthority: fromBase64Pem(es.service['certificate-authority-data']),
    clientCertificate: fromBase64Pem(certificate),
    clientKey: keyPem,
    ...(es['enrollment-ui-endpoint'] ? { uiEndpoint: es['enrollment-ui-endpoint'] } : {}),
  });
}
