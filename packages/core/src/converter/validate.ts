import { ValidationError, type ValidationIssue } from '../errors/index.js';
import { parseImageRef } from '../refs/image-ref.js';
import type { ConverterConfig, ConverterDisk, ConverterPartition, RootFilesystem } from './config.js';
import { BIB_IMAGE_TYPES, isBibImageType, normalizeArch } from './image-types.js';

/** Everything a converter run is given, checked before any container starts. */
export interface ConverterRequest {
  /** `--type` values (one per run here; the rules hold for several). */
  types: readonly string[];
  /** `--rootfs`. */
  rootfs?: RootFilesystem | undefined;
  /** Architecture to build for (`--target-arch`); `hostArch` is the engine's. */
  targetArch?: string | undefined;
  /** The engine's architecture: an `iso` cannot be built for another one. */
  hostArch?: string | undefined;
  /** `--chown`: `UID` or `UID:GID`, numbers. */
  chown?: string | undefined;
  /** `--use-librepo`. */
  useLibrepo?: boolean | undefined;
  /** `--installer-payload-ref`: an image reference, required by `bootc-installer` and used by nothing else. */
  installerPayloadRef?: string | undefined;
  /** The `/config.json` customizations. */
  config?: ConverterConfig | undefined;
}

/** Names the fields of a request in error paths (`options.rootfs`, `options.converterConfig.users[0].name`…). */
export interface ConverterFieldNames {
  /** Path of `types` (runner default `spec.format`). */
  types: string;
  /** Path of `rootfs` (runner default `options.rootfs`). */
  rootfs: string;
  /** Path of `targetArch` (runner default `options.platform`). */
  targetArch: string;
  /** Path of `chown` (runner default `options.chown`). */
  chown: string;
  /** Path of `useLibrepo` (runner default `options.useLibrepo`). */
  useLibrepo: string;
  /** Path of `installerPayloadRef` (runner default `options.installerPayloadRef`). */
  installerPayloadRef: string;
  /** Prefix of the `config` fields (runner default `options.converterConfig`). */
  config: string;
}

const RUNNER_FIELDS: ConverterFieldNames = {
  types: 'spec.format',
  rootfs: 'options.rootfs',
  targetArch: 'options.platform',
  chown: 'options.chown',
  useLibrepo: 'options.useLibrepo',
  installerPayloadRef: 'options.installerPayloadRef',
  config: 'options.converterConfig',
};

const ROOTFS = new Set(['xfs', 'ext4', 'btrfs']);
const FS_TYPES = new Set(['xfs', 'ext4', 'vfat', 'swap']);
const USER_NAME = /^[a-z_][a-z0-9_-]*\$?$/i;
const SIZE = /^\d+(\.\d+)?\s*(B|[KMGT]i?B|[KMGT])?$/i;
const MODULE = /^[A-Za-z0-9_.-]{1,255}$/;
const ISO_TEXT = /^[\x20-\x7e]*$/;
const VOLUME_ID = /^[A-Za-z0-9_. -]{1,32}$/;
/** Symlinks under /var in every bootc base image (the converter checks the image for others). */
const VAR_SYMLINKS = new Set(['/var/run', '/var/lock']);
const UINT32 = 0xffffffff;

/**
 * Checks a converter run as bootc-image-builder would, plus what it would silently ignore, and
 * throws one `ValidationError` naming every offending field. Linear in the size of the request.
 */
export function validateConverterRequest(request: ConverterRequest, fields: Partial<ConverterFieldNames> = {}): void {
  const f = { ...RUNNER_FIELDS, ...fields };
  const issues: ValidationIssue[] = [];
  const add = (path: string, message: string): void => {
    issues.push({ path, message });
  };
  let isos = 0;
  let disks = 0;
  if (request.types.length === 0) add(f.types, 'at least one image type is required');
  for (const t of request.types) {
    if (!isBibImageType(t)) add(f.types, `unsupported image type "${t}"`);
    else if (BIB_IMAGE_TYPES[t].iso) isos++;
    else disks++;
  }
  if (isos > 0 && disks > 0)
    add(f.types, `cannot mix ISO and disk image types in one run: ${request.types.join(', ')}`);
  if (request.rootfs !== undefined && !ROOTFS.has(request.rootfs)) add(f.rootfs, 'must be one of xfs, ext4, btrfs');
  if (request.targetArch !== undefined) {
    const target = normalizeArch(request.targetArch);
    if (!target) add(f.targetArch, `unsupported architecture "${request.targetArch}"`);
    const host = request.hostArch === undefined ? undefined : normalizeArch(request.hostArch);
    if (target && host && target !== host && request.types.includes('iso'))
      add(
        f.targetArch,
        `cannot build an iso for another architecture (${target} on ${host}); the converter refuses it`,
      );
  }
  if (request.chown !== undefined) {
    const m = /^(\d{1,10})(?::(\d{1,10}))?$/.exec(request.chown);
    if (!m || Number(m[1]) > UINT32 || (m[2] !== undefined && Number(m[2]) > UINT32))
      add(f.chown, 'must be UID or UID:GID (numbers)');
  }
  if (request.useLibrepo !== undefined && typeof request.useLibrepo !== 'boolean')
    add(f.useLibrepo, 'must be a boolean');
  if (request.types.includes('bootc-installer')) {
    if (!request.installerPayloadRef)
      add(f.installerPayloadRef, 'is required for bootc-installer (the container the installer installs)');
  } else if (request.installerPayloadRef !== undefined) {
    add(f.installerPayloadRef, 'is only used by the bootc-installer type');
  }
  if (request.installerPayloadRef) {
    try {
      parseImageRef(request.installerPayloadRef);
    } catch (err) {
      add(f.installerPayloadRef, `must be an image reference (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  if (request.config) checkConfig(request.config, request, f.config, isos > 0, add);
  if (issues.length > 0) throw new ValidationError(issues, { subject: 'converter options' });
}

type Add = (path: string, message: string) => void;

function checkConfig(c: ConverterConfig, r: ConverterRequest, at: string, iso: boolean, add: Add): void {
  const names = new Set<string>();
  (c.users ?? []).forEach((u, i) => {
    const p = `${at}.users[${i}]`;
    if (typeof u.name !== 'string' || !USER_NAME.test(u.name) || u.name.length > 32)
      add(`${p}.name`, 'must be a user name (letters, digits, _ and -, at most 32 characters)');
    else if (names.has(u.name)) add(`${p}.name`, `duplicate user "${u.name}"`);
    names.add(u.name);
    if (u.key !== undefined && (typeof u.key !== 'string' || /[\r\n]/.test(u.key.trim())))
      add(`${p}.key`, 'must be one line (an SSH public key)');
    if (u.password !== undefined && (typeof u.password !== 'string' || /[\r\n]/.test(u.password)))
      add(`${p}.password`, 'must be one line');
    (u.groups ?? []).forEach((g, j) => {
      if (typeof g !== 'string' || !USER_NAME.test(g) || g.length > 32)
        add(`${p}.groups[${j}]`, 'must be a group name');
    });
  });
  (c.kernelArgs ?? []).forEach((k, i) => {
    if (typeof k !== 'string' || k.length === 0 || /\s/.test(k))
      add(`${at}.kernelArgs[${i}]`, 'must be one kernel argument (no whitespace)');
  });
  const seen = new Set<string>();
  (c.filesystems ?? []).forEach((fs, i) => {
    const p = `${at}.filesystems[${i}]`;
    checkMountpoint(fs.mountpoint, r.rootfs, `${p}.mountpoint`, add);
    if (seen.has(fs.mountpoint)) add(`${p}.mountpoint`, `duplicate mountpoint "${fs.mountpoint}"`);
    seen.add(fs.mountpoint);
    checkSize(fs.minsize, `${p}.minsize`, add, true);
  });
  if (c.disk) {
    if ((c.filesystems ?? []).length > 0)
      add(`${at}.disk`, 'cannot be combined with filesystems (partitioning customizations replace them)');
    checkDisk(c.disk, r.rootfs, `${at}.disk`, add);
  }
  if (c.installer) {
    if (!iso) add(`${at}.installer`, 'applies only to ISO types (iso, anaconda-iso, bootc-installer)');
    const ks = c.installer.kickstart;
    if (ks !== undefined && (typeof ks !== 'string' || ks.trim() === ''))
      add(`${at}.installer.kickstart`, 'must be non-empty kickstart text');
    if (ks !== undefined && (c.users ?? []).length > 0)
      add(`${at}.installer.kickstart`, 'cannot be combined with users: add the users in the kickstart instead');
    for (const which of ['enable', 'disable'] as const) {
      (c.installer.modules?.[which] ?? []).forEach((m, i) => {
        if (typeof m !== 'string' || !MODULE.test(m))
          add(`${at}.installer.modules.${which}[${i}]`, 'must be an Anaconda module name');
      });
    }
  }
  if (c.iso) {
    if (!iso) add(`${at}.iso`, 'applies only to ISO types (iso, anaconda-iso, bootc-installer)');
    const { volumeId, applicationId, publisher } = c.iso;
    if (volumeId !== undefined && (typeof volumeId !== 'string' || !VOLUME_ID.test(volumeId)))
      add(`${at}.iso.volumeId`, 'must be 1 to 32 of A-Z a-z 0-9 _ . - and space');
    for (const [k, v] of [
      ['applicationId', applicationId],
      ['publisher', publisher],
    ] as const) {
      if (v !== undefined && (typeof v !== 'string' || v.length > 128 || !ISO_TEXT.test(v)))
        add(`${at}.iso.${k}`, 'must be at most 128 printable ASCII characters');
    }
  }
}

/** `/`, `/boot`, or a clean path under `/var` (not `/var`, not a known symlink); with btrfs only `/` and `/boot`. */
function checkMountpoint(mp: unknown, rootfs: RootFilesystem | undefined, path: string, add: Add): void {
  if (mp === '/' || mp === '/boot') return;
  if (typeof mp !== 'string' || !mp.startsWith('/var/')) {
    add(path, `"${String(mp)}" is not allowed: only /, /boot and directories under /var`);
    return;
  }
  if (rootfs === 'btrfs') {
    add(path, `"${mp}" is not allowed with rootfs btrfs: only / and /boot`);
    return;
  }
  const parts = mp.slice(1).split('/');
  if (parts.some((s) => s === '' || s === '.' || s === '..')) add(path, `"${mp}" must be a clean absolute path`);
  else if (VAR_SYMLINKS.has(mp)) add(path, `"${mp}" is a symlink in bootc images and cannot be a mountpoint`);
}

function checkSize(v: unknown, path: string, add: Add, required: boolean): void {
  if (v === undefined && !required) return;
  if (typeof v === 'number' ? Number.isSafeInteger(v) && v >= 0 : typeof v === 'string' && SIZE.test(v.trim())) return;
  add(path, 'must be a size like "10 GiB" or a number of bytes');
}

function checkDisk(d: ConverterDisk, rootfs: RootFilesystem | undefined, at: string, add: Add): void {
  checkSize(d.minsize, `${at}.minsize`, add, false);
  if (d.type !== undefined && d.type !== 'gpt' && d.type !== 'dos') add(`${at}.type`, 'must be gpt or dos');
  if (!Array.isArray(d.partitions) || d.partitions.length === 0) {
    add(`${at}.partitions`, 'must list at least one partition');
    return;
  }
  const mounts = new Set<string>();
  const mount = (mp: string | undefined, path: string): void => {
    if (mp === undefined) return;
    checkMountpoint(mp, rootfs, path, add);
    if (mounts.has(mp)) add(path, `duplicate mountpoint "${mp}"`);
    mounts.add(mp);
  };
  d.partitions.forEach((part: ConverterPartition, i) => {
    const p = `${at}.partitions[${i}]`;
    checkSize(part.minsize, `${p}.minsize`, add, false);
    if (part.type === 'lvm') {
      if (!Array.isArray(part.logical_volumes) || part.logical_volumes.length === 0)
        add(`${p}.logical_volumes`, 'must list at least one logical volume');
      (part.logical_volumes ?? []).forEach((lv, j) => {
        if (!FS_TYPES.has(lv.fs_type)) add(`${p}.logical_volumes[${j}].fs_type`, 'must be xfs, ext4, vfat or swap');
        checkSize(lv.minsize, `${p}.logical_volumes[${j}].minsize`, add, true);
        mount(lv.mountpoint, `${p}.logical_volumes[${j}].mountpoint`);
      });
    } else if (part.type === 'btrfs') {
      if (!Array.isArray(part.subvolumes) || part.subvolumes.length === 0)
        add(`${p}.subvolumes`, 'must list at least one subvolume');
      (part.subvolumes ?? []).forEach((sv, j) => {
        if (typeof sv.name !== 'string' || sv.name === '') add(`${p}.subvolumes[${j}].name`, 'is required');
        mount(sv.mountpoint, `${p}.subvolumes[${j}].mountpoint`);
      });
    } else if (part.type === undefined || part.type === 'plain') {
      if (!FS_TYPES.has(part.fs_type)) add(`${p}.fs_type`, 'must be xfs, ext4, vfat or swap');
      if (part.fs_type !== 'swap') mount(part.mountpoint, `${p}.mountpoint`);
    } else {
      add(`${p}.type`, 'must be plain, lvm or btrfs');
    }
  });
}
