/**
 * Sigstore-style image signatures. The real containers/image clients of the harness (Debian 12's
 * skopeo 1.9.3 and podman 4.3.1) run with the SDK-generated policy.json (sigstoreSigned) and
 * registries.d fragment (use-sigstore-attachments): they find our `sha256-<hex>.sig` attachments —
 * an unsigned image is refused for having no signature, a signed one reaches signature verification —
 * but Debian builds containers/image with sigstore verification compiled out ("Debian-local change:
 * sigstore disabled"), so acceptance and the key/digest refusals are checked with the SDK's verifier
 * (containers/image's rules) and independently with node:crypto. A canary private key never shows in
 * errors, inspect output, registry content or files left behind.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync, verify } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect, promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImageBuild, parseImageExport, parseRepository, type Runner } from '@imagebuild/core';
import { RegistryClient, type ImageManifest } from '@imagebuild/oci';
import { DockerRunner } from '@imagebuild/runner-docker';
import { PodmanRunner } from '@imagebuild/runner-podman';
import {
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
  devicePolicy,
  keySigner,
  pemFileSigner,
  signImage,
  signatureTag,
  verifyImageSignature,
} from '@imagebuild/supply-chain';
import { loadHarnessEnv } from '@imagebuild/testkit';
import { copyBaseFixture } from './fixture-images.js';

const run = promisify(execFile);
const env = loadHarnessEnv();
const id = `sig${Date.now().toString(36)}`;
const scope = `${env.registryPlain}/${id}`;
const work = mkdtempSync(join(tmpdir(), 'ib-signing-'));
const client = new RegistryClient({ registry: env.registryPlain, scheme: 'http' });

const canary = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const canaryPem = canary.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const canaryBody = canaryPem.split('\n')[1]!; // a line of the key material
const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const publicPem = canary.publicKey.export({ type: 'spki', format: 'pem' }).toString();

async function copyFixture(repo: string): Promise<string> {
  await run('skopeo', [
    'copy',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    `docker://${env.baseImagePlain}`,
    `docker://${scope}/${repo}:v1`,
  ]);
  return (await client.headManifest(`${id}/${repo}`, 'v1'))!.digest;
}

/** skopeo copy and podman pull of `repo:v1` with the device policy; resolves to what each said. */
async function deviceClients(repo: string): Promise<{ skopeo: string; podman: string }> {
  const dir = join(work, 'device');
  const say = async (cmd: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<string> => {
    try {
      await run(cmd, args, { env: { ...process.env, ...extraEnv }, timeout: 120_000 });
      return 'accepted';
    } catch (err) {
      return `refused: ${(err as { stderr?: string }).stderr ?? String(err)}`;
    }
  };
  const dest = join(work, `copy-${repo}`);
  const skopeo = await say('skopeo', [
    'copy',
    '--policy',
    join(dir, 'policy.json'),
    '--registries.d',
    join(dir, 'registries.d'),
    '--src-tls-verify=false',
    `docker://${scope}/${repo}:v1`,
    `dir:${dest}`,
  ]);
  rmSync(dest, { recursive: true, force: true });
  // podman reads registries.d from $HOME/.config/containers/registries.d when it exists.
  const store = join(work, `podman-${repo}`);
  const podman = await say(
    'podman',
    [
      '--root',
      join(store, 'root'),
      '--runroot',
      join(store, 'run'),
      '--storage-driver',
      'vfs',
      'pull',
      '--signature-policy',
      join(dir, 'policy.json'),
      '--tls-verify=false',
      `${scope}/${repo}:v1`,
    ],
    { HOME: join(dir, 'home') },
  );
  rmSync(store, { recursive: true, force: true });
  return { skopeo, podman };
}

describe('sigstore image signatures', () => {
  beforeAll(async () => {
    const keyFile = join(work, 'canary.key');
    writeFileSync(keyFile, canaryPem, { mode: 0o600 });
    const signer = await pemFileSigner(keyFile);
    rmSync(keyFile); // the caller's file: the SDK wrote no copy anywhere
    const otherSigner = keySigner(other.privateKey);

    const signed = await copyFixture('signed');
    await signImage(client, { repository: `${id}/signed`, digest: signed, signer });
    await copyFixture('unsigned');
    const otherKey = await copyFixture('otherkey');
    await signImage(client, { repository: `${id}/otherkey`, digest: otherKey, signer: otherSigner });
    // Signed, then the tag's manifest changed (an added annotation) and the signature re-attached to it.
    const original = await copyFixture('changed');
    const sig = await signImage(client, { repository: `${id}/changed`, digest: original, signer });
    const m = (await client.getManifest(`${id}/changed`, original)).manifest as ImageManifest;
    const changed = await client.putManifest(`${id}/changed`, 'v1', {
      ...m,
      annotations: { ...(m.annotations ?? {}), 'org.example.changed': 'after signing' },
    });
    const sigManifest = (await client.getManifest(`${id}/changed`, sig.manifestDigest)).manifest as ImageManifest;
    await client.putManifest(`${id}/changed`, signatureTag(changed.descriptor.digest), sigManifest);

    const dir = join(work, 'device');
    const policy = devicePolicy({ scope, keyPath: join(dir, 'fleet.pub') });
    mkdirSync(join(dir, 'registries.d'), { recursive: true });
    mkdirSync(join(dir, 'home/.config/containers/registries.d'), { recursive: true });
    writeFileSync(join(dir, 'fleet.pub'), signer.publicKeyPem);
    writeFileSync(join(dir, 'policy.json'), policy.policyJson);
    writeFileSync(join(dir, 'registries.d', 'fleet.yaml'), policy.registriesD);
    writeFileSync(join(dir, 'home/.config/containers/registries.d', 'fleet.yaml'), policy.registriesD);
  });
  afterAll(async () => {
    await client.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('skopeo and podman read our attachments through the generated policy and registries.d', async () => {
    const unsigned = await deviceClients('unsigned');
    expect(unsigned.skopeo).toMatch(/^refused: .*A signature was required, but no signature exists/s);
    expect(unsigned.podman).toMatch(/^refused: .*A signature was required, but no signature exists/s);
    // The signed image's attachment is found and handed to sigstore verification, which this build lacks.
    const signed = await deviceClients('signed');
    expect(signed.skopeo).toMatch(/^refused: .*sigstore disabled/s);
    expect(signed.podman).toMatch(/^refused: .*sigstore disabled/s);
  });

  it('the signed image verifies; unsigned, another key and a changed manifest are refused', async () => {
    const check = async (repo: string) => {
      const digest = (await client.headManifest(`${id}/${repo}`, 'v1'))!.digest;
      return verifyImageSignature(client, { repository: `${id}/${repo}`, digest, publicKeyPem: publicPem });
    };
    expect(await check('signed')).toEqual({ verified: true, reason: undefined, signatures: 1 });
    expect(await check('unsigned')).toMatchObject({ verified: false, reason: 'no signature exists' });
    expect(await check('otherkey')).toMatchObject({
      verified: false,
      reason: 'signature does not verify with the trusted key',
    });
    expect(await check('changed')).toMatchObject({
      verified: false,
      reason: 'signature is for another manifest digest',
    });
  });

  it('the signature is laid out as containers/image and cosign expect', async () => {
    const digest = (await client.headManifest(`${id}/signed`, 'v1'))!.digest;
    const m = (await client.getManifest(`${id}/signed`, signatureTag(digest))).manifest as ImageManifest;
    expect(m.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(m.layers).toHaveLength(1);
    expect(m.layers[0]!.mediaType).toBe(SIMPLE_SIGNING_MEDIA_TYPE);
    expect(m.layers[0]!.annotations?.[SIGNATURE_ANNOTATION]).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const blob = await client.getBlob(`${id}/signed`, m.layers[0]!.digest);
    const chunks: Buffer[] = [];
    for await (const c of blob.body) chunks.push(c as Buffer);
    const payload = Buffer.concat(chunks);
    const sig = Buffer.from(m.layers[0]!.annotations![SIGNATURE_ANNOTATION]!, 'base64');
    expect(verify('sha256', payload, { key: canary.publicKey, dsaEncoding: 'der' }, sig)).toBe(true);
    expect(verify('sha256', payload, { key: other.publicKey, dsaEncoding: 'der' }, sig)).toBe(false);
    expect(JSON.parse(payload.toString())).toEqual({
      critical: {
        identity: { 'docker-reference': `${scope}/signed` },
        image: { 'docker-manifest-digest': digest },
        type: 'cosign container image signature',
      },
      optional: null,
    });
  });

  it('the canary private key shows nowhere: errors, inspect output, registry content, files left behind', async () => {
    const signer = keySigner(canary.privateKey);
    expect(inspect(signer, { depth: 10, showHidden: true })).not.toContain(canaryBody);
    expect(JSON.stringify(signer)).not.toContain(canaryBody);
    const bad = join(work, 'bad.key');
    writeFileSync(bad, canaryPem.replace('-----END PRIVATE KEY-----', ''), { mode: 0o600 });
    const err = await pemFileSigner(bad).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect(`${String(err)} ${inspect(err, { depth: 10 })}`).not.toContain(canaryBody);
    rmSync(bad);
    for (const repo of ['signed', 'changed']) {
      const digest = (await client.headManifest(`${id}/${repo}`, 'v1'))!.digest;
      const raw = JSON.stringify((await client.getManifest(`${id}/${repo}`, signatureTag(digest))).manifest);
      expect(raw).not.toContain(canaryBody);
    }
    expect(readdirSync(tmpdir()).filter((n) => /^imagebuild-/.test(n) && n.includes('sign'))).toEqual([]);
    expect(readdirSync(work).filter((n) => n.endsWith('.key'))).toEqual([]);
  });
});

describe.each(['podman', 'docker'] as const)('%s runner signs what it pushes', (kind) => {
  it('a signed build and a signed export verify with the key, not with another', async () => {
    copyBaseFixture(env, id);
    const runner: Runner =
      kind === 'podman'
        ? new PodmanRunner({ engine: `unix://${env.podmanSocket}` })
        : new DockerRunner({ engine: `unix://${env.dockerSocket}` });
    const signer = keySigner(canary.privateKey);
    const repo = parseRepository({
      apiVersion: 'flightctl.io/v1beta1',
      kind: 'Repository',
      metadata: { name: 'plain' },
      spec: { type: 'oci', registry: env.registryPlain, scheme: 'http', accessMode: 'ReadWrite' },
    });
    const ib = parseImageBuild({
      apiVersion: 'flightctl.io/v1alpha1',
      kind: 'ImageBuild',
      metadata: { name: `signed-${kind}` },
      spec: {
        source: { repository: 'plain', imageName: 'supply-chain/base', imageTag: id },
        destination: { repository: 'plain', imageName: `${id}/built-${kind}`, imageTag: 'v1' },
        binding: { type: 'late' },
      },
    });
    try {
      const built = await runner.build(ib, [repo], { sbom: false, sign: { signer } }).done();
      expect(built.signature).toMatchObject({
        tag: signatureTag(built.manifestDigest),
        signedDigest: built.manifestDigest,
      });
      const image = await verifyImageSignature(client, {
        repository: `${id}/built-${kind}`,
        digest: built.manifestDigest,
        publicKeyPem: publicPem,
      });
      expect(image).toMatchObject({ verified: true });
      const ie = parseImageExport({
        apiVersion: 'flightctl.io/v1alpha1',
        kind: 'ImageExport',
        metadata: { name: `signed-${kind}-qcow2` },
        spec: { source: { type: 'imageBuild', imageBuildRef: ib.metadata.name }, format: 'qcow2' },
      });
      const exported = await runner
        .export(ie, ib, [repo], {
          converterImage: env.bibImage,
          imageReference: `${built.reference.replace(/:v1$/, '')}@${built.manifestDigest}`,
          sign: { signer },
        })
        .done();
      expect(exported.signature?.signedDigest).toBe(exported.manifestDigest);
      const artifact = await verifyImageSignature(client, {
        repository: `${id}/built-${kind}`,
        digest: exported.manifestDigest,
        publicKeyPem: publicPem,
      });
      expect(artifact).toMatchObject({ verified: true });
      expect(
        await verifyImageSignature(client, {
          repository: `${id}/built-${kind}`,
          digest: exported.manifestDigest,
          publicKeyPem: other.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        }),
      ).toMatchObject({ verified: false, reason: 'signature does not verify with the trusted key' });
    } finally {
      await runner.close();
    }
  });
});
