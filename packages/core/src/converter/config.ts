/** A user the converter adds to the disk image (bootc-image-builder `customizations.user`). */
export interface ConverterUser {
  name: string;
  /** Crypted or plain password; treated as a secret (never logged, removed after the run). */
  password?: string | undefined;
  /** SSH public key. */
  key?: string | undefined;
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
  name?: string | undefined;
  mountpoint?: string | undefined;
  label?: string | undefined;
  fs_type: 'xfs' | 'ext4' | 'vfat' | 'swap';
  minsize: string | number;
}

/** A btrfs subvolume (`customizations.disk.partitions[].subvolumes`). */
export interface ConverterSubvolume {
  name: string;
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
  minsize?: string | number | undefined;
  /** Partition table type. */
  type?: 'gpt' | 'dos' | undefined;
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
  applicationId?: string | undefined;
  publisher?: string | undefined;
}

/** Converter configuration, serialised to bootc-image-builder's `/config.json`. */
export interface ConverterConfig {
  users?: readonly ConverterUser[] | undefined;
  /** Extra kernel arguments (`customizations.kernel.append`). */
  kernelArgs?: readonly string[] | undefined;
  filesystems?: readonly ConverterFilesystem[] | undefined;
  disk?: ConverterDisk | undefined;
  installer?: ConverterInstaller | undefined;
  iso?: ConverterIso | undefined;
}

/** Root filesystem types bootc-image-builder accepts for `--rootfs`. */
export type RootFilesystem = 'xfs' | 'ext4' | 'btrfs';
