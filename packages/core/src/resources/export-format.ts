import { z } from 'zod';

/** Formats a Flight Control server accepts in `ImageExport.spec.format`. */
export const UPSTREAM_EXPORT_FORMATS = ['vmdk', 'qcow2', 'iso', 'qcow2-disk-container'] as const;
/** Further bootc-image-builder types, for local runs only. */
export const LOCAL_EXPORT_FORMATS = [
  'raw',
  'vhd',
  'gce',
  'ami',
  'anaconda-iso',
  'ova',
  'bootc-installer',
  'pxe-tar-xz',
] as const;
/** Every format this SDK can export: the upstream ones, then the local-only ones. */
export const EXPORT_FORMATS = [...UPSTREAM_EXPORT_FORMATS, ...LOCAL_EXPORT_FORMATS] as const;

/** A format a Flight Control server accepts. */
export type UpstreamExportFormat = (typeof UPSTREAM_EXPORT_FORMATS)[number];
/** Any format this SDK can export (see `EXPORT_FORMATS`). */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** `spec.format` of an ImageExport: one of `EXPORT_FORMATS` (`upstreamOnly` parsing narrows it). */
export const ExportFormatSchema = z.enum(EXPORT_FORMATS, { error: `must be one of ${EXPORT_FORMATS.join(', ')}` });

/** True when a Flight Control server accepts the format (the others work only with a local runner). */
export function isUpstreamExportFormat(format: string): format is UpstreamExportFormat {
  return (UPSTREAM_EXPORT_FORMATS as readonly string[]).includes(format);
}

/** True for any format this SDK knows. */
export function isExportFormat(format: string): format is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(format);
}

interface FormatFacts {
  readonly bibType: string;
  readonly outputPath: string;
  readonly artifactType: string;
  readonly extension: string;
  /** The converter writes a directory (pushed as one tar). */
  readonly directory?: true;
}

/**
 * Per-format facts (bootc-image-builder `--type` and output path, the OCI artifact type of the pushed
 * referrer, the download file extension). Upstream pushes qcow2-disk-container as a KubeVirt containerDisk.
 */
const FACTS: Readonly<Record<ExportFormat, FormatFacts>> = {
  qcow2: {
    bibType: 'qcow2',
    outputPath: 'qcow2/disk.qcow2',
    artifactType: 'application/vnd.qcow2',
    extension: '.qcow2',
  },
  vmdk: { bibType: 'vmdk', outputPath: 'vmdk/disk.vmdk', artifactType: 'application/vnd.vmdk', extension: '.vmdk' },
  iso: { bibType: 'iso', outputPath: 'bootiso/install.iso', artifactType: 'application/vnd.iso', extension: '.iso' },
  'qcow2-disk-container': {
    bibType: 'qcow2',
    outputPath: 'qcow2/disk.qcow2',
    artifactType: 'application/vnd.kubevirt.containerdisk',
    extension: '.qcow2',
  },
  raw: { bibType: 'raw', outputPath: 'image/disk.raw', artifactType: 'application/vnd.raw', extension: '.raw' },
  ami: { bibType: 'ami', outputPath: 'image/disk.raw', artifactType: 'application/vnd.ami', extension: '.raw' },
  vhd: { bibType: 'vhd', outputPath: 'vpc/disk.vhd', artifactType: 'application/vnd.vhd', extension: '.vhd' },
  gce: { bibType: 'gce', outputPath: 'gce/image.tar.gz', artifactType: 'application/vnd.gce', extension: '.tar.gz' },
  'anaconda-iso': {
    bibType: 'anaconda-iso',
    outputPath: 'bootiso/install.iso',
    artifactType: 'application/vnd.anaconda-iso',
    extension: '.iso',
  },
  ova: { bibType: 'ova', outputPath: 'archive/image.ova', artifactType: 'application/vnd.ova', extension: '.ova' },
  'bootc-installer': {
    bibType: 'bootc-installer',
    outputPath: 'bootiso/install.iso',
    artifactType: 'application/vnd.bootc-installer',
    extension: '.iso',
  },
  // A directory (vmlinuz, initrd.img, rootfs.img): pushed and downloaded as one tar.
  'pxe-tar-xz': {
    bibType: 'pxe-tar-xz',
    outputPath: 'bootc-pxe-tree',
    artifactType: 'application/vnd.pxe-tar-xz',
    extension: '.tar',
    directory: true,
  },
};

function facts(format: ExportFormat): FormatFacts {
  const f = FACTS[format];
  if (!f) throw new TypeError(`unknown export format: ${String(format)}`);
  return f;
}

/** The bootc-image-builder `--type` for a format (qcow2-disk-container → qcow2). */
export function bibImageType(format: ExportFormat): string {
  return facts(format).bibType;
}

/** Where bootc-image-builder writes the format's file, relative to its output directory. */
export function exportOutputPath(format: ExportFormat): string {
  return facts(format).outputPath;
}

/** True when the converter writes a directory for the format (`pxe-tar-xz`): it is pushed as one tar. */
export function exportOutputIsDirectory(format: ExportFormat): boolean {
  return facts(format).directory === true;
}

/** The OCI `artifactType` of the referrer manifest pushed for the format (`application/vnd.<format>`). */
export function artifactType(format: ExportFormat): string {
  return facts(format).artifactType;
}

/** The `org.opencontainers.image.title` annotation of the pushed artifact (upstream: the file's base name). */
export function artifactTitle(format: ExportFormat): string {
  if (format === 'qcow2-disk-container') return 'containerdisk';
  const path = facts(format).outputPath + (facts(format).directory ? '.tar' : '');
  return path.slice(path.lastIndexOf('/') + 1);
}

/** File extension for a downloaded artifact, with the dot (`.qcow2`, `.iso`, `.tar.gz`…). */
export function downloadExtension(format: ExportFormat): string {
  return facts(format).extension;
}
