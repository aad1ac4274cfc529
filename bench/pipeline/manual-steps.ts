/**
 * The whole pipeline as a person types it, one command after another: engine CLI build and push,
 * the converter run with the SDK's flags and mounts, the qcow2 pushed as an OCI artifact with curl
 * (no ORAS client), and curl to download it. Each step is timed under GNU time (peak RSS).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTimed, type RunResult } from '../lib/index.js';

export interface ManualInput {
  kind: 'podman' | 'docker';
  socket: string;
  /** Build context directory (Containerfile + files). */
  contextDir: string;
  buildArgs: readonly string[];
  /** `127.0.0.1:5000/repo:tag`: the image to build and push (plain registry). */
  ref: string;
  converterImage: string;
  /** Extra bootc-image-builder flags (after the SDK's defaults). */
  flags: readonly string[];
  workDir: string;
}

export interface ManualTimes {
  build: number;
  push: number;
  convert: number;
  artifactPush: number;
  download: number;
  cleanup: number;
  total: number;
  peakRss: number;
}

// The converter's script as the SDK runs it (packages/engine/src/export/converter-script.ts), typed once.
const SCRIPT =
  'ref="$1"; shift; podman pull -q --tls-verify=false "$ref" >/dev/null && bootc-image-builder "$@" "$ref"';

function engineCli(kind: 'podman' | 'docker', socket: string, args: readonly string[]): [string, string[]] {
  return kind === 'podman'
    ? ['podman', ['--remote', '--url', `unix://${socket}`, ...args]]
    : ['docker', ['-H', `unix://${socket}`, ...args]];
}

/** The artifact push with curl: blob, empty config, manifest with the image as subject. */
function curlPushScript(registry: string, repository: string, tag: string, file: string, image: string): string {
  const r = `http://${registry}/v2/${repository}`;
  return [
    'set -eu',
    `F=${file}`,
    'D=sha256:$(sha256sum "$F" | cut -d" " -f1); S=$(stat -c %s "$F")',
    'up() {',
    `  loc=$(curl -sfS -X POST -D - -o /dev/null ${r}/blobs/uploads/ | tr -d '\\r' | sed -n 's/^[Ll]ocation: //p')`,
    `  case "$loc" in http*) ;; *) loc="http://${registry}$loc";; esac`,
    '  curl -sfS -X PUT -H "Content-Type: application/octet-stream" --data-binary @"$1" "$loc&digest=$2"',
    '}',
    'up "$F" "$D"',
    `printf '{}' > "$F.config"`,
    'E=sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
    'up "$F.config" "$E"',
    `SUBJ=$(curl -sfS -I -H "Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json" ${r}/manifests/${image} | tr -d '\\r')`,
    `SD=$(echo "$SUBJ" | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p'); SS=$(echo "$SUBJ" | sed -n 's/^[Cc]ontent-[Ll]ength: //p'); ST=$(echo "$SUBJ" | sed -n 's/^[Cc]ontent-[Tt]ype: //p')`,
    `M='{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.diskimage.qcow2","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"'$E'","size":2},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"'$D'","size":'$S',"annotations":{"org.opencontainers.image.title":"disk.qcow2"}}],"subject":{"mediaType":"'$ST'","digest":"'$SD'","size":'$SS'}}'`,
    `curl -sfS -X PUT -H "Content-Type: application/vnd.oci.image.manifest.v1+json" --data-binary "$M" ${r}/manifests/${tag}`,
  ].join('\n');
}

function curlDownloadScript(registry: string, repository: string, tag: string, out: string): string {
  const r = `http://${registry}/v2/${repository}`;
  return [
    'set -eu',
    `D=$(curl -sfS -H "Accept: application/vnd.oci.image.manifest.v1+json" ${r}/manifests/${tag} | jq -r '.layers[0].digest')`,
    `curl -sfSL -o ${out} ${r}/blobs/$D`,
  ].join('\n');
}

/** Runs the manual sequence once; everything it creates is removed. */
export async function runManual(input: ManualInput): Promise<ManualTimes> {
  const { kind, socket, ref } = input;
  const [registry, rest] = [ref.slice(0, ref.indexOf('/')), ref.slice(ref.indexOf('/') + 1)];
  const repository = rest.slice(0, rest.lastIndexOf(':'));
  const tag = rest.slice(rest.lastIndexOf(':') + 1);
  const env = kind === 'docker' ? { ...process.env, DOCKER_BUILDKIT: '0' } : process.env;
  const out = mkdtempSync(join(input.workDir, 'manual-out-'));
  const store = mkdtempSync(join(input.workDir, 'manual-store-'));
  const dl = mkdtempSync(join(tmpdir(), 'ib-bench-dl-'));
  const rss: number[] = [];
  const step = async (cmd: [string, string[]]): Promise<number> => {
    const r: RunResult = await runTimed(cmd[0], cmd[1], { env });
    if (r.peakRss) rss.push(r.peakRss);
    return r.ms;
  };
  const isolation = kind === 'podman' ? ['--isolation', 'chroot'] : [];
  try {
    const t = {} as ManualTimes;
    t.build = await step(
      engineCli(kind, socket, [
        'build',
        '--no-cache',
        ...isolation,
        '-f',
        join(input.contextDir, 'Containerfile'),
        ...input.buildArgs,
        '-t',
        ref,
        input.contextDir,
      ]),
    );
    t.push = await step(engineCli(kind, socket, ['push', ...(kind === 'podman' ? ['--tls-verify=false'] : []), ref]));
    t.convert = await step(
      engineCli(kind, socket, [
        'run',
        '--rm',
        '--privileged',
        '--network',
        'host',
        '--security-opt',
        'label=type:unconfined_t',
        '-v',
        `${out}:/output`,
        '-v',
        `${store}:/var/lib/containers`,
        '--entrypoint',
        '/bin/sh',
        input.converterImage,
        '-c',
        SCRIPT,
        'convert',
        ref,
        'build',
        '--type',
        'qcow2',
        '--rootfs',
        'xfs',
        '--progress',
        'verbose',
        ...input.flags,
      ]),
    );
    t.artifactPush = await step([
      'sh',
      ['-c', curlPushScript(registry, repository, `${tag}-qcow2`, join(out, 'qcow2', 'disk.qcow2'), tag)],
    ]);
    t.download = await step([
      'sh',
      ['-c', curlDownloadScript(registry, repository, `${tag}-qcow2`, join(dl, 'disk.qcow2'))],
    ]);
    t.cleanup = await step(engineCli(kind, socket, ['rmi', ref]));
    t.total = t.build + t.push + t.convert + t.artifactPush + t.download + t.cleanup;
    t.peakRss = Math.max(0, ...rss);
    return t;
  } finally {
    for (const d of [out, store, dl]) rmSync(d, { recursive: true, force: true });
  }
}
