import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/index.js';
import { BIB_IMAGE_TYPES } from './image-types.js';
import { type ConverterRequest, validateConverterRequest } from './validate.js';

function issues(r: ConverterRequest): string[] {
  try {
    validateConverterRequest(r);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
  }
}

describe('validateConverterRequest (bootc-image-builder rules)', () => {
  it('accepts every type alone, with its defaults', () => {
    for (const t of Object.keys(BIB_IMAGE_TYPES)) {
      const r = t === 'bootc-installer' ? { types: [t], installerPayloadRef: 'quay.io/a/b:1' } : { types: [t] };
      expect(issues(r), t).toEqual([]);
    }
  });

  it('refuses unknown types and ISO mixed with disk types', () => {
    expect(issues({ types: ['qcow3'] })).toEqual(['spec.format: unsupported image type "qcow3"']);
    expect(issues({ types: ['qcow2', 'iso'] })[0]).toMatch(/^spec\.format: cannot mix ISO and disk/);
    expect(issues({ types: ['iso', 'anaconda-iso'] })).toEqual([]);
    expect(issues({ types: ['qcow2', 'raw', 'vmdk'] })).toEqual([]);
  });

  it('flags: rootfs, chown, target arch (no cross-arch iso), installer payload', () => {
    expect(issues({ types: ['qcow2'], rootfs: 'zfs' as 'xfs' })).toEqual([
      'options.rootfs: must be one of xfs, ext4, btrfs',
    ]);
    expect(issues({ types: ['qcow2'], chown: '1000:1000' })).toEqual([]);
    expect(issues({ types: ['qcow2'], chown: 'root' })).toEqual(['options.chown: must be UID or UID:GID (numbers)']);
    expect(issues({ types: ['qcow2'], chown: '99999999999' })).toHaveLength(1);
    expect(issues({ types: ['qcow2'], targetArch: 'arm64', hostArch: 'amd64' })).toEqual([]);
    expect(issues({ types: ['iso'], targetArch: 'arm64', hostArch: 'amd64' })[0]).toMatch(
      /^options\.platform: cannot build an iso for another architecture/,
    );
    expect(issues({ types: ['iso'], targetArch: 'x86_64', hostArch: 'amd64' })).toEqual([]);
    expect(issues({ types: ['qcow2'], targetArch: 'mips' })).toEqual([
      'options.platform: unsupported architecture "mips"',
    ]);
    expect(issues({ types: ['bootc-installer'] })[0]).toMatch(/^options\.installerPayloadRef: is required/);
    expect(issues({ types: ['bootc-installer'], installerPayloadRef: 'Not A Ref' })[0]).toMatch(
      /^options\.installerPayloadRef: must be an image reference/,
    );
    expect(issues({ types: ['qcow2'], installerPayloadRef: 'quay.io/a/b:1' })).toEqual([
      'options.installerPayloadRef: is only used by the bootc-installer type',
    ]);
  });

  it('users and kernel arguments', () => {
    expect(
      issues({
        types: ['qcow2'],
        config: {
          users: [
            { name: 'alice', key: 'ssh-ed25519 AAAA a@b', groups: ['wheel'] },
            { name: 'alice' },
            { name: '1 x' },
          ],
          kernelArgs: ['quiet', 'a b', ''],
        },
      }),
    ).toEqual([
      'options.converterConfig.users[1].name: duplicate user "alice"',
      'options.converterConfig.users[2].name: must be a user name (letters, digits, _ and -, at most 32 characters)',
      'options.converterConfig.kernelArgs[1]: must be one kernel argument (no whitespace)',
      'options.converterConfig.kernelArgs[2]: must be one kernel argument (no whitespace)',
    ]);
  });

  it('filesystems: only /, /boot and /var/* (not /var, not symlinks); only / and /boot with btrfs; sizes', () => {
    const fs = (mountpoint: string, minsize: string | number = '1 GiB') => ({ mountpoint, minsize });
    expect(
      issues({ types: ['qcow2'], config: { filesystems: [fs('/'), fs('/boot'), fs('/var/data', 1024)] } }),
    ).toEqual([]);
    expect(
      issues({
        types: ['qcow2'],
        config: {
          filesystems: [fs('/ostree'), fs('/var'), fs('/var/run'), fs('/var/a/../b'), fs('/'), fs('/', 'lots')],
        },
      }),
    ).toEqual([
      'options.converterConfig.filesystems[0].mountpoint: "/ostree" is not allowed: only /, /boot and directories under /var',
      'options.converterConfig.filesystems[1].mountpoint: "/var" is not allowed: only /, /boot and directories under /var',
      'options.converterConfig.filesystems[2].mountpoint: "/var/run" is a symlink in bootc images and cannot be a mountpoint',
      'options.converterConfig.filesystems[3].mountpoint: "/var/a/../b" must be a clean absolute path',
      'options.converterConfig.filesystems[5].mountpoint: duplicate mountpoint "/"',
      'options.converterConfig.filesystems[5].minsize: must be a size like "10 GiB" or a number of bytes',
    ]);
    expect(issues({ types: ['qcow2'], rootfs: 'btrfs', config: { filesystems: [fs('/'), fs('/var/data')] } })).toEqual([
      'options.converterConfig.filesystems[1].mountpoint: "/var/data" is not allowed with rootfs btrfs: only / and /boot',
    ]);
  });

  it('disk: partitions checked; not combined with filesystems', () => {
    const disk = {
      type: 'gpt' as const,
      partitions: [
        { mountpoint: '/boot', fs_type: 'ext4' as const, minsize: '1 GiB' },
        {
          type: 'lvm' as const,
          logical_volumes: [{ mountpoint: '/var/log', fs_type: 'xfs' as const, minsize: '2 GiB' }],
        },
      ],
    };
    expect(issues({ types: ['raw'], config: { disk } })).toEqual([]);
    expect(issues({ types: ['raw'], config: { disk, filesystems: [{ mountpoint: '/', minsize: '1 GiB' }] } })).toEqual([
      'options.converterConfig.disk: cannot be combined with filesystems (partitioning customizations replace them)',
    ]);
    expect(
      issues({
        types: ['raw'],
        config: {
          disk: {
            partitions: [
              { mountpoint: '/etc', fs_type: 'ntfs' as 'xfs' },
              { type: 'lvm', logical_volumes: [] },
            ],
          },
        },
      }),
    ).toEqual([
      'options.converterConfig.disk.partitions[0].fs_type: must be xfs, ext4, vfat or swap',
      'options.converterConfig.disk.partitions[0].mountpoint: "/etc" is not allowed: only /, /boot and directories under /var',
      'options.converterConfig.disk.partitions[1].logical_volumes: must list at least one logical volume',
    ]);
  });

  it('installer and iso: ISO types only; a kickstart cannot be combined with users', () => {
    const installer = {
      kickstart: 'text\nzerombr',
      modules: { enable: ['org.fedoraproject.Anaconda.Modules.Localization'] },
    };
    const iso = { volumeId: 'MY_VOL', applicationId: 'app', publisher: 'me' };
    expect(issues({ types: ['iso'], config: { installer, iso } })).toEqual([]);
    expect(issues({ types: ['qcow2'], config: { installer, iso } })).toEqual([
      'options.converterConfig.installer: applies only to ISO types (iso, anaconda-iso, bootc-installer)',
      'options.converterConfig.iso: applies only to ISO types (iso, anaconda-iso, bootc-installer)',
    ]);
    expect(issues({ types: ['anaconda-iso'], config: { installer, users: [{ name: 'bob' }] } })).toEqual([
      'options.converterConfig.installer.kickstart: cannot be combined with users: add the users in the kickstart instead',
    ]);
    expect(issues({ types: ['iso'], config: { iso: { volumeId: 'x'.repeat(33), publisher: 'é' } } })).toEqual([
      'options.converterConfig.iso.volumeId: must be 1 to 32 of A-Z a-z 0-9 _ . - and space',
      'options.converterConfig.iso.publisher: must be at most 128 printable ASCII characters',
    ]);
  });
});
