/**
 * Exports on any engine the builder reaches: dockerd over tcp + mutual TLS, dockerd over ssh, and
 * podman (unix socket). The image is a copy of the harness base in registry B (TLS with its own CA,
 * htpasswd), so the converter needs the Repository's credentials and CA. Each export must:
 * - complete, with the artifact's bytes equal to the file the converter wrote (read independently
 *   from the output volume on the engine host while the export runs);
 * - keep the registry password (the canary) out of the job's log and events, the converter
 *   container's inspect output (taken while it runs) and the export's volumes (read while it runs);
 * - leave no container and no volume (the engine's whole volume list is the same before and after).
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageBuild, Repository, Runner } from '@imagebuild/core';
import { RUNNER_JOB_LABEL } from '@imagebuild/core/runner';
import { EngineConnection, type EngineEndpoint, type RegistryAccess, ociRegistryAccess } from '@imagebuild/engine';
import { RegistryClient, type ImageManifest } from '@imagebuild/oci';
import { DockerRunner } from '@imagebuild/runner-docker';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { TempDirs, loadHarnessEnv } from '@imagebuild/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leftovers } from './engine-helpers.js';
import { downloadExport } from './export-helpers.js';
import { harnessRepositories, imageBuild, imageExport } from './fixtures.js';

const env = loadHarnessEnv();
const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
const repos = harnessRepositories(env);
const all = [repos.plain, repos.tls];
const password = env.registryPassword;
const canaries = [password, Buffer.from(`${env.registryUser}:${password}`).toString('base64')];
const repository = `remote-export/${run}`;
const certPath = env.raw['DOCKER_TLS_CERT_PATH'] ?? '';
const pem = (f: string): string => readFileSync(join(certPath, f), 'utf8');

const engines: { name: string; kind: 'docker' | 'podman'; endpoint: () => EngineEndpoint }[] = [
  {
    name: 'dockerd over tcp + mutual TLS',
    kind: 'docker',
    endpoint: () => ({
      url: env.raw['DOCKER_TLS_URL'] ?? '',
      tls: { ca: pem('ca.pem'), cert: pem('cert.pem'), key: pem('key.pem') },
    }),
  },
  {
    name: 'dockerd over ssh',
    kind: 'docker',
    endpoint: () => ({
      url: env.raw['DOCKER_SSH_URL'] ?? '',
      ssh: {
        privateKey: readFileSync(env.raw['DOCKER_SSH_KEY'] ?? ''),
        hostKeys: [readFileSync(env.raw['DOCKER_SSH_HOST_KEY'] ?? '', 'utf8')],
      },
    }),
  },
  { name: 'podman over its unix socket', kind: 'podman', endpoint: () => ({ url: `unix://${env.podmanSocket}` }) },
];

/** Copies the harness base image into `repository:run` on registry B (blobs mounted, nothing re-uploaded). */
async function copyBase(): Promise<{ digest: string }> {
  const client = RegistryClient.fromRepository(repos.tls);
  try {
    const src = 'fixtures/bootc-base';
    const fetched = await client.getManifest(src, 'latest');
    const m = fetched.manifest as ImageManifest;
    if (!('layers' in m)) throw new Error('the harness base is expected to be a single image manifest');
    for (const d of [m.config, ...m.layers])
      await client.uploadBlob(repository, Buffer.alloc(0), { digest: d.digest, mountFrom: src }).catch(async () => {
        const blob = await client.getBlob(src, d.digest);
        await client.uploadBlob(repository, { stream: blob.body }, { digest: d.digest, size: d.size });
      });
    await client.putManifest(repository, run, fetched.bytes, { mediaType: fetched.descriptor.mediaType });
    return { digest: fetched.descriptor.digest };
  } finally {
    await client.close();
  }
}

async function volumeNames(conn: EngineConnection): Promise<string[]> {
  const res = await conn.json<{ Volumes?: { Name: string }[] | null }>({
    method: 'GET',
    path: conn.compat('/volumes'),
  });
  return (res?.Volumes ?? []).map((v) => v.Name).sort();
}

/** The job's labelled volumes with their host paths (the harness engines run on this host). */
async function jobVolumes(conn: EngineConnection, jobId: string): Promise<{ Name: string; Mountpoint: string }[]> {
  const filters = JSON.stringify({ label: [`${RUNNER_JOB_LABEL}=${jobId}`] });
  const res = await conn.json<{ Volumes?: { Name: string; Mountpoint: string }[] | null }>({
    method: 'GET',
    path: conn.compat('/volumes'),
    query: { filters },
  });
  return res?.Volumes ?? [];
}

/** Every regular file under `dir` (bounded: the stand-in's storage is small). */
function filesUnder(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (st?.isDirectory()) filesUnder(p, out);
    else if (st?.isFile() && st.size < 256 * 1024 * 1024) out.push(p);
  }
  return out;
}

function containsCanary(text: string): boolean {
  return canaries.some((c) => text.includes(c));
}

describe.each(engines)('export on $name', ({ kind, endpoint }) => {
  const dirs = new TempDirs();
  let runner: Runner;
  let conn: EngineConnection;
  let build: ImageBuild;

  beforeAll(async () => {
    const e = endpoint();
    // an ssh connection (sshd + `docker system dial-stdio`) can take longer than the 5 s default
    // on a loaded machine
    conn = await EngineConnection.open(e, { timeoutMs: 30_000 });
    const base = await copyBase();
    build = imageBuild({ name: 'rx', binding: 'late', destination: 'tls', imageName: repository, tag: run });
    build = {
      ...build,
      status: { manifestDigest: base.digest, imageReference: `${env.registryTls}/${repository}:${run}` },
    };
    // the converter's output file, hashed straight from its volume while the push reads it out
    const registries = (repo: Repository): RegistryAccess => {
      const real = ociRegistryAccess(repo);
      return {
        ...real,
        pushArtifact: async (req, signal) => {
          const jobId = current ?? '';
          const out = (await jobVolumes(conn, jobId)).find((v) => v.Name.endsWith('-output'));
          if (!out) throw new Error(`no output volume while ${jobId} pushes`);
          expected = `sha256:${createHash('sha256')
            .update(readFileSync(join(out.Mountpoint, 'qcow2', 'disk.qcow2')))
            .digest('hex')}`;
          return real.pushArtifact(req, signal);
        },
      };
    };
    const opts = { engine: e, converterCache: false as const, registries };
    runner = kind === 'podman' ? new PodmanRunner(opts) : new DockerRunner(opts);
    // the runner keeps its first connection: tried a few times for the same reason
    for (let attempt = 1; ; attempt++) {
      try {
        await runner.ping();
        break;
      } catch (err) {
        if (attempt >= 5) throw err;
      }
    }
  }, 120_000);
  afterAll(async () => {
    dirs.removeAll();
    await runner?.close();
  });

  let current: string | undefined;
  let expected: string | undefined;

  it('completes with the converter’s bytes; the password appears nowhere; no container or volume is left', async () => {
    const jobId = `rx-${kind}-${run}-${Math.random().toString(36).slice(2, 6)}`;
    current = jobId;
    const before = await volumeNames(conn);
    const op = runner.export(imageExport('rx-q', 'rx', 'qcow2'), build, all, {
      converterImage: env.bibImagePlain,
      jobId,
      // every engine converts (the artifact of the same image and configuration would be reused)
      noReuse: true,
    });
    const events: string[] = [];
    for (const ev of ['log', 'phase', 'progress', 'stage'] as const)
      op.on(ev, (v: unknown) => events.push(`${ev} ${JSON.stringify(v)}`));
    // while the converter runs: its inspect output and its volumes
    let inspected = '';
    let volumeFiles = 0;
    let volumeCanary = false;
    let probing: Promise<void> | undefined;
    op.on('stage', () => {
      probing ??= (async () => {
        const filters = JSON.stringify({ label: [`${RUNNER_JOB_LABEL}=${jobId}`] });
        const cs = await conn.json<{ Id: string }[]>({
          method: 'GET',
          path: conn.compat('/containers/json'),
          query: { all: true, filters },
        });
        for (const c of cs ?? [])
          inspected += JSON.stringify(
            await conn.json({ method: 'GET', path: conn.compat(`/containers/${c.Id}/json`) }),
          );
        for (const v of await jobVolumes(conn, jobId))
          for (const f of filesUnder(v.Mountpoint)) {
            volumeFiles++;
            if (containsCanary(readFileSync(f, 'latin1'))) volumeCanary = true;
          }
      })();
    });
    const r = await op.done();
    await probing;

    // the artifact is the converter's output, byte for byte
    const file = join(dirs.make('ib-export-remote-'), 'disk.qcow2');
    const dl = await downloadExport(repos.tls, repository, r.manifestDigest, file);
    expect(dl.digest).toBe(r.layerDigest);
    expect(r.layerDigest).toBe(expected);

    // the canary: nowhere
    expect(inspected).toContain(jobId);
    expect(containsCanary(inspected)).toBe(false);
    expect(volumeFiles).toBeGreaterThan(0);
    expect(volumeCanary).toBe(false);
    expect(events.some((e) => e.startsWith('log '))).toBe(true);
    expect(events.filter(containsCanary)).toEqual([]);

    // nothing left: the job's resources, and the engine's whole volume list
    expect(await leftovers(conn, jobId)).toEqual([]);
    expect(await volumeNames(conn)).toEqual(before);
  });
});
