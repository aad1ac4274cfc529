import { describe, expect, it } from 'vitest';
import {
  EXPORT_FORMATS,
  UPSTREAM_EXPORT_FORMATS,
  artifactTitle,
  artifactType,
  bibImageType,
  downloadExtension,
  exportOutputPath,
  isExportFormat,
  isUpstreamExportFormat,
} from './export-format.js';

describe('export formats', () => {
  it('marks which formats a Flight Control server accepts', () => {
    expect(UPSTREAM_EXPORT_FORMATS).toEqual(['vmdk', 'qcow2', 'iso', 'qcow2-disk-container']);
    expect(EXPORT_FORMATS.filter(isUpstreamExportFormat)).toEqual([...UPSTREAM_EXPORT_FORMATS]);
    expect(['raw', 'vhd', 'gce', 'ami', 'anaconda-iso'].some(isUpstreamExportFormat)).toBe(false);
    expect(isExportFormat('ami')).toBe(true);
    expect(isExportFormat('tiff')).toBe(false);
  });

  it.each([
    ['qcow2', 'qcow2', 'qcow2/disk.qcow2', 'application/vnd.qcow2', 'disk.qcow2', '.qcow2'],
    ['vmdk', 'vmdk', 'vmdk/disk.vmdk', 'application/vnd.vmdk', 'disk.vmdk', '.vmdk'],
    ['iso', 'iso', 'bootiso/install.iso', 'application/vnd.iso', 'install.iso', '.iso'],
    [
      'qcow2-disk-container',
      'qcow2',
      'qcow2/disk.qcow2',
      'application/vnd.kubevirt.containerdisk',
      'containerdisk',
      '.qcow2',
    ],
    ['raw', 'raw', 'image/disk.raw', 'application/vnd.raw', 'disk.raw', '.raw'],
    ['ami', 'ami', 'image/disk.raw', 'application/vnd.ami', 'disk.raw', '.raw'],
    ['vhd', 'vhd', 'vpc/disk.vhd', 'application/vnd.vhd', 'disk.vhd', '.vhd'],
    ['gce', 'gce', 'gce/image.tar.gz', 'application/vnd.gce', 'image.tar.gz', '.tar.gz'],
    ['anaconda-iso', 'anaconda-iso', 'bootiso/install.iso', 'application/vnd.anaconda-iso', 'install.iso', '.iso'],
  ] as const)('%s: bib %s, %s, %s, title %s, %s', (format, bib, out, type, title, ext) => {
    expect(bibImageType(format)).toBe(bib);
    expect(exportOutputPath(format)).toBe(out);
    expect(artifactType(format)).toBe(type);
    expect(artifactTitle(format)).toBe(title);
    expect(downloadExtension(format)).toBe(ext);
  });

  it('throws on an unknown format at runtime', () => {
    expect(() => bibImageType('tiff' as never)).toThrow(TypeError);
  });
});
