import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Spec } from '@cyclonedx/cyclonedx-library';
import { JsonStrictValidator } from '@cyclonedx/cyclonedx-library/Validation';
import { SbomError } from '@imagebuild/core/errors';
import { SBOM_MEDIA_TYPE } from '@imagebuild/core/runner';
import { NativeSbomGenerator, directoryFiles } from '../src/index.js';
import { packageHeader, type PackageSpec } from './header-encoder.js';

type Db = {
  exec(sql: string): void;
  pragma(p: string): unknown;
  prepare(sql: string): { run(...a: unknown[]): void };
  close(): void;
};
const Database = createRequire(import.meta.url)('better-sqlite3') as new (path: string) => Db;

const PACKAGES: PackageSpec[] = [
  {
    name: 'ib-hello',
    epoch: 2,
    version: '1.2.3',
    release: '4.el9',
    arch: 'x86_64',
    license: 'Apache-2.0 AND MIT',
    vendor: 'V',
    sourceRpm: 'ib-hello-1.2.3-4.el9.src.rpm',
  },
  { name: 'legacy', version: '1', release: '1', arch: 'noarch', license: 'GPLv2+', sourceRpm: 'legacy-1-1.src.rpm' },
  { name: 'gpg-pubkey', version: '8483c65d', release: '5ccc5b19' },
];
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function rootfs(): string {
  const r = mkdtempSync(join(tmpdir(), 'ib-sc-rootfs-'));
  dirs.push(r);
  mkdirSync(join(r, 'etc'), { recursive: true });
  mkdirSync(join(r, 'usr/lib'), { recursive: true });
  writeFileSync(join(r, 'usr/lib/os-release'), 'ID=centos\nVERSION_ID="9"\nPRETTY_NAME="CentOS Stream 9"\n');
  symlinkSync('../usr/lib/os-release', join(r, 'etc/os-release'));
  return r;
}

/** Writes an rpmdb; with `pendingWal` the rows stay in the WAL (copied while the writer still has it open). */
function writeRpmdb(dir: string, packages: readonly PackageSpec[], pendingWal = false): void {
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'ib-sc-db-'));
  dirs.push(work);
  const db = new Database(join(work, 'rpmdb.sqlite'));
  db.pragma('journal_mode = WAL');
  db.exec("CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)");
  if (pendingWal) db.pragma('wal_autocheckpoint = 0');
  else db.pragma('wal_checkpoint(TRUNCATE)');
  const insert = db.prepare('INSERT INTO Packages (blob) VALUES (?)');
  for (const p of packages) insert.run(packageHeader(p));
  if (!pendingWal) db.pragma('wal_checkpoint(TRUNCATE)');
  for (const f of ['rpmdb.sqlite', 'rpmdb.sqlite-wal', 'rpmdb.sqlite-shm'])
    if (existsSync(join(work, f))) copyFileSync(join(work, f), join(dir, f));
  db.close();
}

const input = (root: string) => ({
  reference: '127.0.0.1:5000/apps/os:v1',
  manifestDigest: `sha256:${'a'.repeat(64)}`,
  platformManifestDigest: `sha256:${'b'.repeat(64)}`,
  platform: 'linux/amd64',
  files: directoryFiles(root),
  signal: new AbortController().signal,
});

describe('NativeSbomGenerator over a root filesystem', () => {
  it.each([false, true])(
    'catalogues the sqlite rpmdb (pending WAL: %s) and os-release as schema-valid CycloneDX 1.6',
    async (wal) => {
      const r = rootfs();
      writeRpmdb(join(r, 'usr/lib/sysimage/rpm'), PACKAGES, wal);
      const doc = await new NativeSbomGenerator().generate(input(r));
      expect(doc).toMatchObject({ mediaType: SBOM_MEDIA_TYPE, fileName: 'sbom.cdx.json', components: 4 });
      const json = Buffer.from(doc.content).toString('utf8');
      expect(await new JsonStrictValidator(Spec.Version.v1dot6).validate(json)).toBeNull();
      const bom = JSON.parse(json);
      expect(bom.metadata.component).toMatchObject({
        type: 'container',
        name: '127.0.0.1:5000/apps/os',
        version: 'v1',
      });
      expect(bom.components.find((c: { type: string }) => c.type === 'operating-system')).toMatchObject({
        name: 'centos',
        version: '9',
        description: 'CentOS Stream 9',
      });
      const byName = Object.fromEntries(bom.components.map((c: { name: string }) => [c.name, c]));
      expect(byName['ib-hello']).toMatchObject({
        version: '2:1.2.3-4.el9',
        publisher: 'V',
        purl: 'pkg:rpm/centos/ib-hello@2:1.2.3-4.el9?arch=x86_64&distro=centos-9',
        licenses: [{ expression: 'Apache-2.0 AND MIT' }],
      });
      expect(byName.legacy).toMatchObject({ licenses: [{ license: { name: 'GPLv2+' } }] });
      expect(byName['gpg-pubkey']).toMatchObject({
        purl: 'pkg:rpm/centos/gpg-pubkey@8483c65d-5ccc5b19?distro=centos-9',
      });
      const walFile = join(r, 'usr/lib/sysimage/rpm/rpmdb.sqlite-wal');
      expect(existsSync(walFile) && statSync(walFile).size > 0).toBe(wal);
    },
  );

  it('follows /var/lib/rpm when it is a symlink to the database directory', async () => {
    const r = rootfs();
    writeRpmdb(join(r, 'opt/rpmdb'), PACKAGES.slice(0, 1));
    mkdirSync(join(r, 'var/lib'), { recursive: true });
    symlinkSync('../../opt/rpmdb', join(r, 'var/lib/rpm'));
    const doc = await new NativeSbomGenerator().generate(input(r));
    expect(doc.components).toBe(2);
  });

  it('reports an older Berkeley DB database, a missing one, and a read bound, as SbomError', async () => {
    const bdb = rootfs();
    mkdirSync(join(bdb, 'var/lib/rpm'), { recursive: true });
    writeFileSync(join(bdb, 'var/lib/rpm/Packages'), Buffer.alloc(4096));
    await expect(new NativeSbomGenerator().generate(input(bdb))).rejects.toThrow(
      /older form that is detected but not read: \/var\/lib\/rpm\/Packages \(Berkeley DB\)/,
    );
    const none = rootfs();
    await expect(new NativeSbomGenerator().generate(input(none))).rejects.toThrow(SbomError);
    await expect(new NativeSbomGenerator().generate(input(none))).rejects.toThrow(/no RPM database in the image/);
    const big = rootfs();
    writeRpmdb(join(big, 'usr/lib/sysimage/rpm'), PACKAGES);
    await expect(new NativeSbomGenerator({ maxReadBytes: 1024 }).generate(input(big))).rejects.toThrow(
      /more than 1024 bytes/,
    );
  });

  it('a corrupt database is an SbomError naming the file', async () => {
    const r = rootfs();
    mkdirSync(join(r, 'usr/lib/sysimage/rpm'), { recursive: true });
    writeFileSync(join(r, 'usr/lib/sysimage/rpm/rpmdb.sqlite'), 'not a database');
    await expect(new NativeSbomGenerator().generate(input(r))).rejects.toThrow(
      /\/usr\/lib\/sysimage\/rpm\/rpmdb\.sqlite/,
    );
  });
});
