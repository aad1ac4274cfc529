import { parse as parseYaml, stringify } from 'yaml';
import { z } from 'zod';
import { ValidationError } from '../errors/index.js';
import { toValidationIssues } from '../parse/issues.js';
import { isBase64Text } from '../resources/rules.js';

const CERT = /^-----BEGIN CERTIFICATE-----\r?\n[\s\S]+?-----END CERTIFICATE-----\s*$/;
const KEY = /^-----BEGIN ([A-Z]+ )?PRIVATE KEY-----\r?\n[\s\S]+?-----END ([A-Z]+ )?PRIVATE KEY-----\s*$/;
const httpUrl = (what: string) => z.url({ protocol: /^https?$/, error: `must be an http(s) URL (${what})` });

/**
 * What an early-binding image needs to enrol with Flight Control: the enrollment service and its CA,
 * and the client certificate and key the device presents. PEM text, not base64.
 */
export const EnrollmentConfigSchema = z.object({
  /** Enrollment service URL (agent endpoint), e.g. `https://agent-api.example.com:7443`. */
  serviceUrl: httpUrl('enrollment service'),
  /** PEM CA bundle that signs the enrollment service's certificate. */
  certificateAuthority: z.string().regex(CERT, 'must be PEM certificate(s)'),
  /** PEM client (enrollment) certificate. */
  clientCertificate: z.string().regex(CERT, 'must be a PEM certificate'),
  /** PEM private key of the client certificate. Never echoed. */
  clientKey: z.string().regex(KEY, 'must be a PEM private key'),
  /** Flight Control UI URL shown to users enrolling the device. */
  uiEndpoint: httpUrl('UI endpoint').optional(),
});
/** A validated enrollment configuration (see `EnrollmentConfigSchema`): PEM text, not base64. */
export type EnrollmentConfig = z.output<typeof EnrollmentConfigSchema>;

function invalid(error: z.ZodError, prefix: string): ValidationError {
  return new ValidationError(toValidationIssues(error, prefix ? prefix.split('.') : []), {
    subject: 'enrollment config',
  });
}

/** Validates an `EnrollmentConfig` object; throws `ValidationError` (the key is never echoed). */
export function validateEnrollmentConfig(input: unknown, path = ''): EnrollmentConfig {
  const res = EnrollmentConfigSchema.safeParse(input, { reportInput: true });
  if (!res.success) throw invalid(res.error, path);
  return res.data;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** Renders the agent's `/etc/flightctl/config.yaml` (facts §5.2): base64 PEM data, service server, UI endpoint. */
export function renderAgentConfig(config: EnrollmentConfig): string {
  const cfg = validateEnrollmentConfig(config);
  const doc = {
    'enrollment-service': {
      authentication: {
        'client-certificate-data': b64(cfg.clientCertificate),
        'client-key-data': b64(cfg.clientKey),
      },
      service: {
        'certificate-authority-data': b64(cfg.certificateAuthority),
        server: cfg.serviceUrl,
      },
      ...(cfg.uiEndpoint !== undefined ? { 'enrollment-ui-endpoint': cfg.uiEndpoint } : {}),
    },
  };
  return stringify(doc, { lineWidth: 0 });
}

function decodeData(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const t = value.trim();
  if (t.startsWith('-----BEGIN')) return value;
  if (!isBase64Text(t, false)) return value;
  return Buffer.from(t, 'base64').toString('utf8');
}

/**
 * Reads an agent `config.yaml` (as Flight Control's `flightctl certificate request` writes it, or as
 * `renderAgentConfig` renders it) back into an `EnrollmentConfig`. `*-data` fields may be base64 or PEM.
 * Syntax and rule errors never include the file's text.
 */
export function parseEnrollmentConfig(yamlText: string): EnrollmentConfig {
  let doc: unknown;
  try {
    doc = parseYaml(yamlText, { prettyErrors: false });
  } catch (err) {
    const e = err as { code?: string; linePos?: { line: number; col: number }[] };
    const at = e.linePos?.[0];
    throw new ValidationError(
      [
        {
          path: '',
          message: `invalid YAML (${e.code ?? 'syntax error'})${at ? ` at line ${at.line}, column ${at.col}` : ''}`,
        },
      ],
      { subject: 'enrollment config' },
    );
  }
  const es = (doc as { 'enrollment-service'?: Record<string, unknown> } | null)?.['enrollment-service'];
  if (typeof es !== 'object' || es === null) {
    throw new ValidationError([{ path: 'enrollment-service', message: 'is required' }], {
      subject: 'enrollment config',
    });
  }
  const auth = (es['authentication'] ?? {}) as Record<string, unknown>;
  const svc = (es['service'] ?? {}) as Record<string, unknown>;
  const fields: Array<[keyof EnrollmentConfig, string, unknown]> = [
    ['serviceUrl', 'enrollment-service.service.server', svc['server']],
    [
      'certificateAuthority',
      'enrollment-service.service.certificate-authority-data',
      decodeData(svc['certificate-authority-data']),
    ],
    [
      'clientCertificate',
      'enrollment-service.authentication.client-certificate-data',
      decodeData(auth['client-certificate-data']),
    ],
    ['clientKey', 'enrollment-service.authentication.client-key-data', decodeData(auth['client-key-data'])],
    ['uiEndpoint', 'enrollment-service.enrollment-ui-endpoint', es['enrollment-ui-endpoint']],
  ];
  const input: Record<string, unknown> = {};
  for (const [k, , v] of fields) if (v !== undefined) input[k] = v;
  const res = EnrollmentConfigSchema.safeParse(input, { reportInput: true });
  if (res.success) return res.data;
  const byField = new Map(fields.map(([k, p]) => [k as string, p]));
  const issues = toValidationIssues(res.error).map((i) => ({
    path: byField.get(i.path) ?? i.path,
    message: i.message,
  }));
  throw new ValidationError(issues, { subject: 'enrollment config' });
}
