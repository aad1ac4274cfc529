// bootc-image-builder's contract end to end on both engines: each type and customization reaches
// the converter stand-in with the right flags and files; invalid combinations are refused, naming
// the field, before any container starts.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError, type ExportFormat, type ImageBuild, type Runner } from '@imagebuild/core';
import type { RunnerExportOptions } from '@imagebuild/core/runner';
import { EngineConnection, type EngineRunner } from '@imagebuild/engine';
import { DockerRunner } from '@imagebuild/runner-docker';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { loadHarnessEnv, type HarnessEnv } from '@imagebuild/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BIB_CONTRACT_IMAGE,
  buildJsonIn,
  containerCreates,
  downloadExport,
  fromTar,
  isoLabels,
  tarList,
} from './export-helpers.js';
import { PUBKEY, harnessRepositories, imageBuild, imageExport } from './fixtures.js';

const env: HarnessEnv = loadHarnessEnv();
const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
const MiB = 1024 * 1024;

describe.each(['podman', 'docker'] as const)('%s: the converter contract', (kind) => {
  const url = `unix://${kind === 'podman' ? env.podmanSocket : env.dockerSocket}`;
  const repos = harnessRepositories(env);
  const all = [repos.plain, repos.tls];
  const work = mkdtempSync(join(tmpdir(), 'ib-export-contract-'));
  const repository = `runners/${kind}-contract`;
  const tag = `${env.registryPlain}/${repository}:${run}`;
  let runner: EngineRunner & Runner;
  let conn: EngineConnection;
  let build: ImageBuild;

  beforeAll(async () => {
    runner =
      kind === 'podman'
        ? new PodmanRunner({ engine: url, converterCache: false })
        : new DockerRunner({ engine: url, converterCache: false });
    conn = await EngineConnection.open({ url });
    build = imageBuild({ name: 'ct', binding: 'late', destination: 'plain', imageName: repository, tag: run });
    const r = await runner.build(build, all, { jobId: `ct-${run}` }).done();
    build = { ...build, status: { manifestDigest: r.manifestDigest, imageReference: r.reference } };
  });
  afterAll(async () => {
    await runner.close();
    rmSync(work, { recursive: true, force: true });
  });

  async function exportFile(format: ExportFormat, options: RunnerExportOptions, lines: string[] = []): Promise<string> {
    const op = runner.export(imageExport(`x-${format}`, 'ct', format), build, all, {
      converterImage: BIB_CONTRACT_IMAGE,
      noReuse: true,
      ...options,
    });
    op.on('log', (l) => lines.push(l));
    const r = await op.done();
    const file = join(work, `${kind}-${format}-${lines.length}`);
    await downloadExport(repos.plain, repository, r.manifestDigest, file);
    return file;
  }

  it('raw: rootfs, chown, librepo, users, kernel arguments and filesystem sizes reach the disk', async () => {
    const file = await exportFile('raw', {
      rootfs: 'ext4',
      chown: '1000:1000',
      useLibrepo: false,
      converterConfig: {
        users: [{ name: 'alice', key: PUBKEY, groups: ['wheel'], password: 'secret-pw' }],
        kernelArgs: ['console=ttyS0', `contract=${run}`],
        filesystems: [
          { mountpoint: '/', minsize: '8 MiB' },
          { mountpoint: '/var/data', minsize: 4 * MiB },
        ],
      },
    });
    const info = JSON.parse(fromTar(file, './usr/lib/bib-standin/build.json'));
    expect(info).toMatchObject({
      types: ['raw'],
      rootfs: 'ext4',
      chown: '1000:1000',
      useLibrepo: false,
      bootcTarget: tag,
      output: '/output',
      config: {
        source: '/config.json',
        users: [{ name: 'alice', groups: ['wheel'], key: PUBKEY, hasPassword: true }],
        kernelArgs: `console=ttyS0 contract=${run}`,
        filesystems: [
          { mountpoint: '/', minsize: '8 MiB' },
          { mountpoint: '/var/data', minsize: 4 * MiB },
        ],
      },
    });
    expect(JSON.stringify(info)).not.toContain('secret-pw');
    expect(fromTar(file, './home/alice/.ssh/authorized_keys')).toContain(PUBKEY);
    expect(fromTar(file, './usr/lib/bootc/kargs.d/99-bib-config.toml')).toContain(`"contract=${run}"`);
    expect(statSync(file).size).toBeGreaterThanOrEqual(12 * MiB);
  });

  it('raw with a disk layout: partitions reach the converter', async () => {
    const disk = {
      type: 'gpt' as const,
      minsize: '16 MiB',
      partitions: [
        { mountpoint: '/boot', fs_type: 'ext4' as const, minsize: '2 MiB' },
        {
          type: 'lvm' as const,
          name: 'vg0',
          logical_volumes: [{ name: 'log', mountpoint: '/var/log', fs_type: 'xfs' as const, minsize: '3 MiB' }],
        },
      ],
    };
    const file = await exportFile('raw', { converterConfig: { disk } });
    expect(JSON.parse(fromTar(file, './usr/lib/bib-standin/build.json')).config.disk).toEqual(disk);
    expect(statSync(file).size).toBeGreaterThanOrEqual(16 * MiB);
  });

  it('anaconda-iso: kickstart contents, installer modules and ISO labels; the kickstart installs the tag', async () => {
    const file = await exportFile('anaconda-iso', {
      converterConfig: {
        installer: {
          kickstart: `text --non-interactive\nzerombr # ${run}`,
          modules: {
            enable: ['org.fedoraproject.Anaconda.Modules.Localization'],
            disable: ['org.fedoraproject.Anaconda.Modules.Users'],
          },
        },
        iso: { volumeId: 'CONTRACT_VOL', applicationId: `app-${run}`, publisher: 'imagebuild tests' },
      },
    });
    // ISO 9660 stores application and publisher ids in upper case ("a-characters"), as xorriso writes them
    expect(isoLabels(file)).toEqual({
      volumeId: 'CONTRACT_VOL',
      applicationId: `APP-${run.toUpperCase()}`,
      publisher: 'IMAGEBUILD TESTS',
    });
    const text = readFileSync(file).toString('latin1');
    expect(text).toContain(`zerombr # ${run}`);
    expect(text).toContain(`ostreecontainer --url ${tag} `);
    expect(text).toContain('"enable":["org.fedoraproject.Anaconda.Modules.Localization"]');
    expect(buildJsonIn(file)).toMatchObject({ bootcTarget: tag, types: ['anaconda-iso'] });
  });

  it('bootc-installer: the payload reference defaults to the destination tag', async () => {
    const lines: string[] = [];
    const file = await exportFile('bootc-installer', {}, lines);
    expect(buildJsonIn(file)).toMatchObject({ types: ['bootc-installer'], installerPayloadRef: tag, bootcTarget: tag });
    expect(lines.some((l) => /\[\d+\/\d+\] Building bootc-installer/.test(l))).toBe(true);
  });

  it('pxe-tar-xz: the output directory is pushed as one tar', async () => {
    const file = await exportFile('pxe-tar-xz', {});
    // the engine's archive names the directory entry with or without a trailing slash (podman: without)
    expect(tarList(file).map((n) => n.replace(/\/$/, ''))).toEqual([
      'bootc-pxe-tree',
      'bootc-pxe-tree/initrd.img',
      'bootc-pxe-tree/rootfs.img',
      'bootc-pxe-tree/vmlinuz',
    ]);
    expect(buildJsonIn(file)).toMatchObject({ types: ['pxe-tar-xz'], bootcTarget: tag });
    expect(fromTar(file, 'bootc-pxe-tree/vmlinuz')).toContain(tag);
  });

  it('ova: an OVA archive (ovf, manifest, vmdk)', async () => {
    const file = await exportFile('ova', {});
    expect(tarList(file)).toEqual(['image.ovf', 'image.mf', 'image.vmdk']);
    expect(fromTar(file, 'image.mf')).toMatch(/^SHA256\(image\.vmdk\)= [0-9a-f]{64}$/m);
  });

  it('ami and vmdk: each type reaches the converter and its disk is pushed', async () => {
    const ami: string[] = [];
    const raw = await exportFile('ami', {}, ami);
    expect(buildJsonIn(raw)).toMatchObject({ types: ['ami'], bootcTarget: tag });
    expect(ami.some((l) => /\[\d+\/\d+\] Building ami/.test(l))).toBe(true);
    const vmdk: string[] = [];
    const disk = await exportFile('vmdk', {}, vmdk);
    // a VMDK sparse extent (streamOptimized) starts with its magic number
    expect(readFileSync(disk).subarray(0, 4).toString('latin1')).toBe('KDMV');
    expect(vmdk.some((l) => /\[\d+\/\d+\] Building vmdk/.test(l))).toBe(true);
  });

  it('invalid combinations are refused naming the field, before any container starts', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const jobId = `invalid-${run}`;
    const cases: Array<[ExportFormat, RunnerExportOptions, string]> = [
      [
        'iso',
        { converterConfig: { users: [{ name: 'a' }], installer: { kickstart: 'text' } } },
        'options.converterConfig.installer.kickstart',
      ],
      [
        'qcow2',
        { converterConfig: { filesystems: [{ mountpoint: '/ostree', minsize: '1 GiB' }] } },
        'options.converterConfig.filesystems[0].mountpoint',
      ],
      [
        'qcow2',
        { rootfs: 'btrfs', converterConfig: { filesystems: [{ mountpoint: '/var/x', minsize: 1 }] } },
        'options.converterConfig.filesystems[0].mountpoint',
      ],
      ['qcow2', { converterConfig: { iso: { volumeId: 'X' } } }, 'options.converterConfig.iso'],
      [
        'raw',
        {
          converterConfig: {
            filesystems: [{ mountpoint: '/', minsize: 1 }],
            disk: { partitions: [{ fs_type: 'xfs', mountpoint: '/var/a' }] },
          },
        },
        'options.converterConfig.disk',
      ],
      ['iso', { platform: 'linux/arm64' }, 'options.platform'],
      ['qcow2', { chown: 'nobody' }, 'options.chown'],
      ['bootc-installer', { installerPayloadRef: 'UPPER/Case:x' }, 'options.installerPayloadRef'],
      ['vmdk', { installerPayloadRef: tag }, 'options.installerPayloadRef'],
    ];
    for (const [format, options, path] of cases) {
      const err = await runner
        .export(imageExport('bad', 'ct', format), build, all, { converterImage: BIB_CONTRACT_IMAGE, jobId, ...options })
        .done()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err, path).toBeInstanceOf(ValidationError);
      expect(
        (err as ValidationError).issues.map((i) => i.path),
        path,
      ).toContain(path);
    }
    expect(await containerCreates(conn, jobId, since)).toBe(0);
  });
});
