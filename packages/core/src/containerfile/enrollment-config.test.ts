import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ValidationError } from '../errors/index.js';
import { TEST_CERT, TEST_KEY } from '../../test/fixtures.js';
import {
  parseEnrollmentConfig,
  renderAgentConfig,
  validateEnrollmentConfig,
  type EnrollmentConfig,
} from './enrollment-config.js';

const CFG: EnrollmentConfig = {
  serviceUrl: 'https://agent-api.example.com:7443',
  certificateAuthority: TEST_CERT,
  clientCertificate: TEST_CERT,
  clientKey: TEST_KEY,
  uiEndpoint: 'https://ui.example.com',
};

describe('agent config.yaml', () => {
  it('renders the agent format with base64 PEM data', () => {
    const doc = parse(renderAgentConfig(CFG)) as Record<string, Record<string, Record<string, string>>>;
    const es = doc['enrollment-service']!;
    expect(Object.keys(doc)).toEqual(['enrollment-service']);
    expect(es['service']!['server']).toBe(CFG.serviceUrl);
    expect(Buffer.from(es['service']!['certificate-authority-data']!, 'base64').toString()).toBe(TEST_CERT);
    expect(Buffer.from(es['authentication']!['client-certificate-data']!, 'base64').toString()).toBe(TEST_CERT);
    expect(Buffer.from(es['authentication']!['client-key-data']!, 'base64').toString()).toBe(TEST_KEY);
    expect(es['enrollment-ui-endpoint']).toBe('https://ui.example.com');
  });

  it('round-trips through parseEnrollmentConfig, and accepts raw PEM data too', () => {
    expect(parseEnrollmentConfig(renderAgentConfig(CFG))).toEqual(CFG);
    const { uiEndpoint: _omit, ...noUi } = CFG;
    expect(parseEnrollmentConfig(renderAgentConfig(noUi))).toEqual(noUi);
    const raw = `enrollment-service:\n  service:\n    server: ${CFG.serviceUrl}\n    certificate-authority-data: |\n${indent(TEST_CERT)}  authentication:\n    client-certificate-data: |\n${indent(TEST_CERT)}    client-key-data: |\n${indent(TEST_KEY)}`;
    expect(parseEnrollmentConfig(raw)).toEqual(noUi);
  });

  it('reports every problem by the file field path, never echoing the key', () => {
    const badKey = 'not-a-key-but-secret-material';
    const text = `enrollment-service:\n  service:\n    server: ftp://x\n  authentication:\n    client-key-data: ${Buffer.from(badKey).toString('base64')}\n`;
    let caught: unknown;
    try {
      parseEnrollmentConfig(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    const e = caught as ValidationError;
    expect(e.issues.map((i) => i.path).sort()).toEqual([
      'enrollment-service.authentication.client-certificate-data',
      'enrollment-service.authentication.client-key-data',
      'enrollment-service.service.certificate-authority-data',
      'enrollment-service.service.server',
    ]);
    expect(e.issues.find((i) => i.path.endsWith('client-key-data'))?.message).toBe('must be a PEM private key');
    expect(JSON.stringify(e.issues) + e.message).not.toContain(badKey);
  });

  it('reports YAML syntax errors without the text, and a missing section', () => {
    expect(() => parseEnrollmentConfig('a: [\n')).toThrowError(/invalid YAML/);
    expect(() => parseEnrollmentConfig('other: 1\n')).toThrowError(/enrollment-service: is required/);
  });

  it('validates objects with a path prefix', () => {
    expect(() => validateEnrollmentConfig({ ...CFG, clientKey: 'secret!' }, 'options.enrollment')).toThrowError(
      /options\.enrollment\.clientKey: must be a PEM private key/,
    );
    expect(() => renderAgentConfig({ ...CFG, serviceUrl: 'not a url' })).toThrow(ValidationError);
  });
});

function indent(pem: string): string {
  return pem
    .trimEnd()
    .split('\n')
    .map((l) => `      ${l}\n`)
    .join('');
}
