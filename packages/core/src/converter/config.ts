/** A user the converter adds to the disk image (bootc-image-builder `customizations.user`). */
export interface ConverterUser {
  /** User name (letters, digits, `_` and `-`, at most 32 characters). */
  name: string;
  /** Crypted or plain password; treated as a secret (never logged, removed after the run). */
  password?: string | undefined;
  /** SSH public key. */
  key?: string | undefined;
  /** Supplementary groups, e.g. `wheel`. */
  groups?: readonly string[] | undefined;
}

/** A filesystem size request (bootc-image-builder `customizations.filesystem`). */
export interface ConverterFilesystem {
  /** `/`, `/boot` or a directory under `/var` (not `/var` itself); only `/` and `/boot` with btrfs. */
  mountpoint: string;
  /** e.g. `10 GiB`, or a number of bytes. */
  minsize: string | number;
}

/** A logical volume of an `lvm` partition (`customizations.disk.partitions[].logical_volumes`). */
export interface ConverterLogicalVolume {
  /** Logical volume name. */
  name?: string | undefined;
  /** Where it is mounted (same rules as `ConverterFilesystem.mountpoint`). */
  mountpoint?: string | undefined;
  /** Filesystem label. */
  label?: string | undefined;
  /** Filesystem type. */
  fs_type: 'xfs' | 'ext4' | 'vfat' | 'swap';
  /** e.g. `10 GiB`, or a number of bytes. */
  minsize: string | number;
}

/** A btrfs subvolume (`customizations.disk.partitions[].subvolumes`). */
export interface ConverterSubvolume {
  /** Subvolume name (not empty). */
  name: string;
  /** Where it is mounted. */
  mountpoint: string;
}

/** A partition (`customizations.disk.partitions`): plain, lvm or btrfs. */
export type ConverterPartition =
  | {
      type?: 'plain' | undefined;
      mountpoint?: string | undefined;
      label?: string | undefined;
      fs_type: 'xfs' | 'ext4' | 'vfat' | 'swap';
      minsize?: string | number | undefined;
    }
  | {
      type: 'lvm';
      name?: string | undefined;
      minsize?: string | number | undefined;
      logical_volumes: readonly ConverterLogicalVolume[];
    }
  | { type: 'btrfs'; minsize?: string | number | undefined; subvolumes: readonly ConverterSubvolume[] };

/** Full disk layout (`customizations.disk`); cannot be combined with `filesystems`. */
export interface ConverterDisk {
  /** Minimum size of the whole disk, e.g. `20 GiB`, or a number of bytes. */
  minsize?: string | number | undefined;
  /** Partition table type. */
  type?: 'gpt' | 'dos' | undefined;
  /** The partitions, in order (at least one). */
  partitions: readonly ConverterPartition[];
}

/** Installer ISO options (`customizations.installer`). */
export interface ConverterInstaller {
  /** Kickstart contents (`installer.kickstart.contents`); cannot be combined with `users`. */
  kickstart?: string | undefined;
  /** Anaconda D-Bus modules to enable or disable (`installer.modules`). */
  modules?: { enable?: readonly string[] | undefined; disable?: readonly string[] | undefined } | undefined;
}

/** ISO media options (`customizations.iso`). */
export interface ConverterIso {
  /** The ISO's volume label (`volume_id`, at most 32 characters). */
  volumeId?: string | undefined;
  /** The ISO's application id (`application_id`, at most 128 printable ASCII characters). */
  applicationId?: string | undefined;
  /** The ISO's publisher (at most 128 printable ASCII characters). */
  publisher?: string | undefined;
}

/** Converter configuration, serialised to bootc-image-builder's `/config.json`. */
export interface ConverterConfig {
  /** Users to add (`customizations.user`); not with `installer.kickstart`. */
  users?: readonly ConverterUser[] | undefined;
  /** Extra kernel arguments (`customizations.kernel.append`). */
  kernelArgs?: readonly string[] | undefined;
  /** Minimum sizes of filesystems (`customizations.filesystem`); not with `disk`. */
  filesystems?: readonly ConverterFilesystem[] | undefined;
  /** Full disk layout (`customizations.disk`); not with `filesystems`. */
  disk?: ConverterDisk | undefined;
  /** Installer options; ISO types only. */
  installer?: ConverterInstaller | undefined;
  /** ISO media options; ISO types only. */
  iso?: ConverterIso | undefined;
}

/** Root filesystem types bootc-image-builder accepts for `--rootfs`. */
export type RootFilesystem = 'xfs' | 'ext4' | 'btrfs';
