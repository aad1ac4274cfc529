import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Spec } from '@cyclonedx/cyclonedx-library';
import { JsonStrictValidator } from '@cyclonedx/cyclonedx-library/Validation';
import type { ImageFileReader } from '@imagebuild/core/runner';

/** One package as both sides describe it: `rpm -qa --qf` and our SBOM component. */
export interface PackageFields {
  name: string;
  epoch: string | undefined;
  version: string;
  release: string;
  arch: string | undefined;
  license: string | undefined;
  vendor: string | undefined;
  sourceRpm: string | undefined;
}

const QF = '%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{LICENSE}\\t%{VENDOR}\\t%{SOURCERPM}\\n';

/** Copies the image's RPM database directory out through `files` and asks Debian's rpm for every package. */
export async function rpmQueryAll(files: ImageFileReader, dbDir: string): Promise<PackageFields[]> {
  const entries = (await files.read(dbDir, { maxBytes: 64 * 1024 * 1024 })) ?? [];
  const dir = mkdtempSync(join(tmpdir(), 'ib-rpmdb-'));
  try {
    for (const e of entries) if (e.type === 'file' && e.data) writeFileSync(join(dir, basename(e.path)), e.data);
    const out = execFileSync('rpm', ['-qa', '--dbpath', dir, '--define', '_db_backend sqlite', '--qf', QF], {
      encoding: 'utf8',
    });
    const none = (v: string | undefined): string | undefined => (v === '(none)' ? undefined : v);
    return out
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [name, epoch, version, release, arch, license, vendor, sourceRpm] = line.split('\t');
        return {
          name: name!,
          epoch: none(epoch),
          version: version!,
          release: release!,
          arch: none(arch),
          license: none(license),
          vendor: none(vendor),
          sourceRpm: none(sourceRpm),
        };
      });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface CdxComponent {
  type: string;
  name: string;
  version?: string;
  purl?: string;
  publisher?: string;
  licenses?: Array<{ license?: { id?: string; name?: string }; expression?: string }>;
  properties?: Array<{ name: string; value: string }>;
}

/** The RPM components of a CycloneDX document, read back into the same fields. */
export function sbomPackages(doc: { components?: CdxComponent[] }): PackageFields[] {
  return (doc.components ?? [])
    .filter((c) => c.type === 'library')
    .map((c) => {
      const prop = (n: string) => c.properties?.find((p) => p.name === `imagebuild:rpm:${n}`)?.value;
      const l = c.licenses?.[0];
      return {
        name: c.name,
        epoch: prop('epoch'),
        version: prop('version')!,
        release: prop('release')!,
        arch: prop('arch'),
        license: l?.expression ?? l?.license?.id ?? l?.license?.name,
        vendor: c.publisher,
        sourceRpm: prop('sourceRpm'),
      };
    });
}

export const byName = (a: PackageFields, b: PackageFields): number =>
  `${a.name}|${a.arch}`.localeCompare(`${b.name}|${b.arch}`);

/** Validates against the CycloneDX 1.6 JSON schema (strict) shipped with the library; null when valid. */
export async function schemaErrors(json: string): Promise<unknown> {
  return new JsonStrictValidator(Spec.Version.v1dot6).validate(json);
}
