/**
 * Harness smoke test: proves, through dockerode on BOTH engine sockets, that the harness works the way
 * the SDK will use it — a build from the bootc-like base (its dnf/systemctl stand-ins), a privileged
 * host-network container writing to a bind mount, push to registry A and to registry B (credentials;
 * TLS trusted as the harness configures each engine), pull back with the same digest — and that the
 * bootc-image-builder stand-in, run the way the real tool is run, writes a valid qcow2.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HARNESS_ENGINES, engineSocket, loadHarnessEnv, type HarnessEngine } from '@imagebuild/testkit';

const run = promisify(execFile);
const env = loadHarnessEnv();
const nonce = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

interface ProgressEvent {
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string; Digest?: string };
  stream?: string;
}

function follow(docker: Docker, stream: NodeJS.ReadableStream): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, out: ProgressEvent[]) => {
      if (err) return reject(err);
      const failed = out.find((e) => e.error !== undefined || e.errorDetail !== undefined);
      if (failed) return reject(new Error(failed.errorDetail?.message ?? failed.error ?? 'stream error'));
      resolve(out);
    });
  });
}

/** HEAD the manifest of repo:tag on a harness registry; returns Docker-Content-Digest. */
function registryDigest(registry: string, repo: string, tag: string): Promise<string> {
  const tls = registry === env.registryTls;
  const [host, port] = registry.split(':') as [string, string];
  const headers: Record<string, string> = { Accept: MANIFEST_ACCEPT };
  if (tls)
    headers['Authorization'] = `Basic ${Buffer.from(`${env.registryUser}:${env.registryPassword}`).toString('base64')}`;
  const options = { host, port: Number(port), method: 'HEAD', path: `/v2/${repo}/manifests/${tag}`, headers };
  return new Promise((resolve, reject) => {
    const onResponse = (res: import('node:http').IncomingMessage): void => {
      res.resume();
      const digest = res.headers['docker-content-digest'];
      if (res.statusCode === 200 && typeof digest === 'string') resolve(digest);
      else reject(new Error(`HEAD ${registry}/${repo}:${tag} -> ${res.statusCode}`));
    };
    const req = tls
      ? httpsRequest({ ...options, ca: readFileSync(env.registryCa) }, onResponse) // verified against the harness CA
      : httpRequest(options, onResponse);
    req.on('error', reject);
    req.end();
  });
}

/** Runs a command in a running container; returns exit code, stdout, stderr. */
async function exec(
  docker: Docker,
  container: Docker.Container,
  cmd: string[],
  workingDir?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const e = await container.exec({
    Cmd: cmd,
    AttachStdout: true,
    AttachStderr: true,
    ...(workingDir ? { WorkingDir: workingDir } : {}),
  });
  const stream = await e.start({ hijack: true, stdin: false });
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks: { out: Buffer[]; err: Buffer[] } = { out: [], err: [] };
  out.on('data', (c: Buffer) => chunks.out.push(c));
  err.on('data', (c: Buffer) => chunks.err.push(c));
  docker.modem.demuxStream(stream, out, err);
  await new Promise<void>((resolve, reject) => {
    stream.on('end', () => resolve());
    stream.on('close', () => resolve());
    stream.on('error', reject);
  });
  let info = await e.inspect();
  for (let i = 0; info.Running && i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    info = await e.inspect();
  }
  return {
    code: info.ExitCode ?? -1,
    stdout: Buffer.concat(chunks.out).toString(),
    stderr: Buffer.concat(chunks.err).toString(),
  };
}

/** create + start + wait + logs + remove of a one-shot container. */
async function runOnce(
  docker: Docker,
  options: Docker.ContainerCreateOptions,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = await docker.createContainer(options);
  try {
    await c.start();
    const { StatusCode } = (await c.wait()) as { StatusCode: number };
    const raw = await c.logs({ stdout: true, stderr: true, follow: false });
    const out = new PassThrough();
    const err = new PassThrough();
    const o: Buffer[] = [];
    const e: Buffer[] = [];
    out.on('data', (b: Buffer) => o.push(b));
    err.on('data', (b: Buffer) => e.push(b));
    const src = new PassThrough();
    docker.modem.demuxStream(src, out, err);
    src.end(raw);
    await new Promise((r) => setImmediate(r));
    return { code: StatusCode, stdout: Buffer.concat(o).toString(), stderr: Buffer.concat(e).toString() };
  } finally {
    await c.remove({ force: true, v: true });
  }
}

describe.each(HARNESS_ENGINES)('harness smoke on %s', (engine: HarnessEngine) => {
  const docker = new Docker({ socketPath: engineSocket(env, engine) });
  const localTag = `localhost/ibh-smoke-${engine}:${nonce}`;
  const repo = `smoke/${engine}`;
  const plainRef = `${env.registryPlain}/${repo}:${nonce}`;
  const tlsRef = `${env.registryTls}/${repo}:${nonce}`;
  const tlsAuth = { username: env.registryUser, password: env.registryPassword, serveraddress: env.registryTls };
  const plainAuth = { serveraddress: env.registryPlain };
  let work: string;
  let builtId: string;
  let pushedDigest: string;

  beforeAll(async () => {
    work = await mkdtemp(join(env.tmpDir, `smoke-${engine}-`));
  });
  afterAll(async () => {
    for (const ref of [localTag, plainRef, tlsRef]) {
      await docker
        .getImage(ref)
        .remove({ force: true })
        .catch(() => undefined);
    }
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('builds a two-step image from the bootc-like base with the dnf and systemctl stand-ins', async () => {
    const ctx = join(work, 'ctx');
    await run('mkdir', ['-p', ctx]);
    await writeFile(
      join(ctx, 'Dockerfile'),
      [
        `FROM ${env.baseImage}`,
        'RUN dnf -y config-manager --add-repo https://rpm.flightctl.io/flightctl-epel.repo && \\',
        '    dnf install -y --setopt=timeout=5 --setopt=retries=0 flightctl-agent && dnf clean all',
        `RUN systemctl enable flightctl-agent.service && echo ${nonce} > /etc/smoke-nonce`,
        '',
      ].join('\n'),
    );
    const stream = await docker.buildImage(
      { context: ctx, src: ['Dockerfile'] },
      { t: localTag, rm: true, forcerm: true },
    );
    await follow(docker, stream);
    const info = await docker.getImage(localTag).inspect();
    builtId = info.Id;
    expect(info.Config.Labels?.['containers.bootc']).toBe('1');
  });

  it('runs a privileged container with host networking and a bind mount that writes to the host', async () => {
    const script = [
      'set -e',
      'test -x /usr/bin/flightctl-agent',
      'readlink /etc/systemd/system/multi-user.target.wants/flightctl-agent.service',
      '/usr/bin/rpm -q flightctl-agent', // busybox sh would run its own rpm applet for a bare `rpm`
      // privileged: CAP_SYS_ADMIN (bit 21) in the effective set
      "cap=$(awk '/^CapEff/{print $2}' /proc/self/status); [ $(( (0x$cap >> 21) & 1 )) = 1 ]",
      // host network: registry A on the host's loopback answers
      `wget -q -O /dev/null http://${env.registryPlain}/v2/`,
      'cat /etc/smoke-nonce > /host/written-by-container',
    ].join('\n');
    const r = await runOnce(docker, {
      Image: localTag,
      Cmd: ['sh', '-c', script],
      HostConfig: { Privileged: true, NetworkMode: 'host', Binds: [`${work}:/host`] },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('/usr/lib/systemd/system/flightctl-agent.service');
    expect(r.stdout).toContain('flightctl-agent-0.10.0-1.el9');
    expect((await readFile(join(work, 'written-by-container'), 'utf8')).trim()).toBe(nonce);
  });

  it('pushes to registry A and to registry B (with credentials) and pulls back the same digest', async () => {
    const image = docker.getImage(localTag);
    await image.tag({ repo: `${env.registryPlain}/${repo}`, tag: nonce });
    await image.tag({ repo: `${env.registryTls}/${repo}`, tag: nonce });
    await follow(docker, await docker.getImage(plainRef).push({ authconfig: plainAuth }));
    await follow(docker, await docker.getImage(tlsRef).push({ authconfig: tlsAuth }));

    const digestA = await registryDigest(env.registryPlain, repo, nonce);
    const digestB = await registryDigest(env.registryTls, repo, nonce);
    expect(digestA).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(digestB).toBe(digestA);
    pushedDigest = digestA;

    // without credentials registry B refuses the pull (dockerd, after the 401, retries over plain HTTP
    // as it does for an insecure registry, so its message is about HTTPS)
    await docker.getImage(tlsRef).remove({ force: true });
    await expect(
      docker.pull(tlsRef, { authconfig: { serveraddress: env.registryTls } }).then((s) => follow(docker, s)),
    ).rejects.toThrow(/unauthorized|authentication required|HTTPS server/i);

    // drop every local name of the image, then pull both references back
    for (const ref of [localTag, plainRef, tlsRef])
      await docker
        .getImage(ref)
        .remove({ force: true })
        .catch(() => undefined);
    await follow(docker, await docker.pull(tlsRef, { authconfig: tlsAuth }));
    await follow(docker, await docker.pull(plainRef, { authconfig: plainAuth }));
    for (const [ref, name] of [
      [tlsRef, `${env.registryTls}/${repo}`],
      [plainRef, `${env.registryPlain}/${repo}`],
    ] as const) {
      const info = await docker.getImage(ref).inspect();
      expect(info.Id).toBe(builtId);
      expect(info.RepoDigests).toContain(`${name}@${pushedDigest}`);
    }
  });

  it('runs the bootc-image-builder stand-in as the real tool is run and gets a valid qcow2', async () => {
    const out = await mkdtemp(join(work, 'out-'));
    const storage = await mkdtemp(join(work, 'storage-'));
    const config = join(work, 'config.json');
    await writeFile(
      config,
      JSON.stringify({
        customizations: {
          user: [{ name: 'smoke', groups: ['wheel'], key: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${nonce} smoke@test` }],
          kernel: { append: `console=ttyS0 smoke.nonce=${nonce}` },
        },
      }),
    );
    await chmod(out, 0o755);
    const c = await docker.createContainer({
      Image: env.bibImage,
      Entrypoint: ['sleep'],
      Cmd: ['infinity'],
      HostConfig: {
        Privileged: true,
        NetworkMode: 'host',
        SecurityOpt: ['label=type:unconfined_t'],
        Binds: [`${out}:/output`, `${storage}:/var/lib/containers`, `${config}:/config.json:ro`],
      },
    });
    try {
      await c.start();
      const pull = await exec(docker, c, ['podman', 'pull', '-q', '--tls-verify=false', plainRef]);
      expect(pull.stderr).toBe('');
      expect(pull.code).toBe(0);

      const bad = await exec(
        docker,
        c,
        ['bootc-image-builder', '--type', 'qcow3', '--rootfs', 'xfs', plainRef],
        '/output',
      );
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/Error: .*unsupported image type "qcow3"/);

      const notMounted = await exec(docker, c, ['bootc-image-builder', '--output', '/tmp', plainRef]);
      expect(notMounted.code).not.toBe(0);
      expect(notMounted.stderr).toMatch(/did you forget/);

      const missing = await exec(docker, c, ['bootc-image-builder', `${env.registryPlain}/no/such:image`]);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toMatch(/not found in the local container storage/);

      const build = await exec(
        docker,
        c,
        ['bootc-image-builder', '--type', 'qcow2', '--rootfs', 'xfs', '--progress', 'verbose', plainRef],
        '/output',
      );
      expect(build.code, build.stderr).toBe(0);
      expect(build.stderr).toMatch(/\[\d\/\d\] Building qcow2/);
    } finally {
      await c.remove({ force: true, v: true });
    }

    const disk = join(out, 'qcow2', 'disk.qcow2');
    const { stdout: infoJson } = await run('qemu-img', ['info', '--output=json', disk]);
    const info = JSON.parse(infoJson) as { format: string; 'virtual-size': number };
    expect(info.format).toBe('qcow2');
    expect(info['virtual-size']).toBeGreaterThan(0);

    // the disk's content is the built image's filesystem, with the config applied
    const raw = join(work, 'disk.raw');
    await run('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', disk, raw]);
    const { stdout: listing } = await run('tar', ['-tf', raw], { maxBuffer: 16 * 1024 * 1024 });
    expect(listing).toContain('./usr/bin/flightctl-agent');
    expect(listing).toContain('./etc/systemd/system/multi-user.target.wants/flightctl-agent.service');
    expect(listing).toContain('./home/smoke/.ssh/authorized_keys');
    const { stdout: nonceInDisk } = await run('tar', ['-xOf', raw, './etc/smoke-nonce']);
    expect(nonceInDisk.trim()).toBe(nonce);

    const manifest = JSON.parse(await readFile(join(out, 'manifest-qcow2.json'), 'utf8')) as {
      imageRef: string;
      rootfs: string;
      config: { users: { name: string }[]; kernelArgs: string };
    };
    expect(manifest.imageRef).toBe(plainRef);
    expect(manifest.rootfs).toBe('xfs');
    expect(manifest.config.users.map((u) => u.name)).toEqual(['smoke']);
    expect(manifest.config.kernelArgs).toContain(`smoke.nonce=${nonce}`);
    await rm(raw, { force: true });
  });
});
