// The README's programs run in CI from the packed packages (scripts/consumer-check.mjs); these checks
// keep the README consistent with itself and with the code, without engines.
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseDocuments } from '@imagebuild/core';
import { renderAgentConfig } from '@imagebuild/core/containerfile';
import { devicePolicy } from '@imagebuild/supply-chain';
import { TEST_CERT, TEST_KEY } from '../../packages/core/test/fixtures.js';
import { readmeSnippets, readmeText } from './snippets.mjs';

const root = new URL('../../', import.meta.url);
const readme = readmeText(root);
const snippets = readmeSnippets(readme);
const snippet = (name: string): string => {
  const s = snippets.find((x) => x.name === name);
  if (!s) throw new Error(`README has no snippet ${name}`);
  return s.code;
};
const keyPaths = (v: unknown, prefix = ''): string[] =>
  typeof v === 'object' && v !== null
    ? Object.entries(v).flatMap(([k, x]) => keyPaths(x, prefix ? `${prefix}.${k}` : k))
    : [prefix];

describe('README', () => {
  it('every TypeScript block is a snippet CI compiles and runs', () => {
    const tsBlocks = readme.split('\n').filter((l) => l === '```ts').length;
    expect(snippets.filter((s) => s.lang === 'ts').map((s) => s.name)).toHaveLength(tsBlocks);
    expect(snippets.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        'embedding.mts',
        'enrollment.mts',
        'validate.mts',
        'client.mts',
        'imagebuild.yaml',
        'agent-config.yaml',
      ]),
    );
  });

  it('imagebuild.yaml is valid and names what the programs use', () => {
    const docs = parseDocuments(snippet('imagebuild.yaml'));
    expect(
      docs.map((d) =>
        d.ok ? `${d.resource.kind}/${(d.resource.metadata as { name?: string }).name}` : d.error.message,
      ),
    ).toEqual(['Repository/centos-bootc', 'Repository/my-registry', 'ImageBuild/my-build', 'ImageExport/my-export']);
    for (const program of ['embedding.mts', 'client.mts'])
      for (const name of ["'my-build'", "'my-export'"]) expect(snippet(program)).toContain(name);
  });

  it("agent-config.yaml has exactly the agent's fields, as renderAgentConfig writes them", () => {
    const rendered = renderAgentConfig({
      serviceUrl: 'https://agent-api.example.com:7443',
      certificateAuthority: TEST_CERT,
      clientCertificate: TEST_CERT,
      clientKey: TEST_KEY,
      uiEndpoint: 'https://ui.example.com',
    });
    expect(keyPaths(parse(snippet('agent-config.yaml'))).sort()).toEqual(keyPaths(parse(rendered)).sort());
  });

  it('names the converter default and the placement wait the code uses', async () => {
    const { DEFAULT_CONVERTER_IMAGE } = await import('@imagebuild/core/runner');
    expect(readme).toContain(`\`exportOptions.converterImage\` (default \`${DEFAULT_CONVERTER_IMAGE}\``);
    expect(readme).toMatch(/`placementTimeoutMs`[^.]*default \*\*120000\*\*/);
  });
});

describe('package READMEs and examples', () => {
  const packages = readdirSync(new URL('packages/', root)).filter(
    (d) => !JSON.parse(readFileSync(new URL(`packages/${d}/package.json`, root), 'utf8')).private,
  );
  it.each(packages)('packages/%s has a README linking to the root README', (dir) => {
    const text = readFileSync(new URL(`packages/${dir}/README.md`, root), 'utf8');
    expect(text).toMatch(/^# @imagebuild\//);
    expect(text).toContain('](../../README.md');
    expect(text).toMatch(/npm i .*@imagebuild\//);
  });

  it("every example's documented command runs on the TypeScript sources", () => {
    const examples = readdirSync(new URL('examples/', root)).filter((f) => f.endsWith('.ts'));
    const commands = examples.flatMap((f) =>
      readFileSync(new URL(`examples/${f}`, root), 'utf8')
        .split('\n')
        .filter((l) => /npx tsx /.test(l))
        .map((l) => `${f}: ${l.trim()}`),
    );
    expect(commands.length).toBeGreaterThan(0);
    for (const c of commands) expect(c).toContain('--conditions=@imagebuild/source');
  });

  it('the device policy files shown are what devicePolicy() returns for the snippet options', () => {
    const code = snippet('device-policy.mts');
    const m = /devicePolicy\(\{ scope: '([^']+)', keyPath: '([^']+)' \}\)/.exec(code);
    expect(m).not.toBeNull();
    const files = devicePolicy({ scope: m![1]!, keyPath: m![2]! });
    expect(JSON.parse(snippet('device-policy.json'))).toEqual(JSON.parse(files.policyJson));
    expect(parse(snippet('device-registries.yaml'))).toEqual(parse(files.registriesD));
  });
});
