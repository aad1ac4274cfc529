/**
 * bootc-image-builder's `--type` values (upstream `bib/internal/imagetypes`): `iso` marks the ISO
 * types (never mixed with disk types in one run), `legacy` the RPM-based installer ISOs,
 * `export` the osbuild pipeline the type's output comes from.
 */
export const BIB_IMAGE_TYPES = {
  ami: { iso: false, legacy: false, export: 'image' },
  qcow2: { iso: false, legacy: false, export: 'qcow2' },
  raw: { iso: false, legacy: false, export: 'image' },
  vmdk: { iso: false, legacy: false, export: 'vmdk' },
  vhd: { iso: false, legacy: false, export: 'vpc' },
  gce: { iso: false, legacy: false, export: 'gce' },
  ova: { iso: false, legacy: false, export: 'archive' },
  'pxe-tar-xz': { iso: false, legacy: false, export: 'bootc-pxe-tree' },
  'bootc-installer': { iso: true, legacy: false, export: 'bootiso' },
  'anaconda-iso': { iso: true, legacy: true, export: 'bootiso' },
  iso: { iso: true, legacy: true, export: 'bootiso' },
} as const;

/** A bootc-image-builder `--type` value. */
export type BibImageType = keyof typeof BIB_IMAGE_TYPES;

/** True when bootc-image-builder knows `type` (a key of `BIB_IMAGE_TYPES`). */
export function isBibImageType(type: string): type is BibImageType {
  return Object.hasOwn(BIB_IMAGE_TYPES, type);
}

/** Architecture names the converter accepts for `--target-arch`, normalised as it does. */
export function normalizeArch(arch: string): string | undefined {
  switch (arch) {
    case 'amd64':
    case 'x86_64':
      return 'x86_64';
    case 'arm64':
    case 'aarch64':
      return 'aarch64';
    case 'ppc64le':
    case 's390x':
    case 'riscv64':
      return arch;
    default:
      return undefined;
  }
}
