// Through the ImageBuilder on both engines: a second identical export completes from the artifact
// already in the registry (no conversion), and a second download into the same folder keeps the
// verified file already there; a download folder that does not exist is created.
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageBuilder } from '@imagebuild/builder';
import { loadHarnessEnv, type HarnessEnv } from '@imagebuild/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIB_CONTRACT_IMAGE, harnessBuilder, plainBuild, qcow2Export, settleJob } from './export-helpers.js';

const env: HarnessEnv = loadHarnessEnv();

describe.each(['podman', 'docker'] as const)('%s: repeated export and download', (kind) => {
  const work = mkdtempSync(join(tmpdir(), 'ib-export-reuse-'));
  const id = `${kind}-${process.pid.toString(36)}${Date.now().toString(36)}`;
  let b: ImageBuilder;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ b, close } = await harnessBuilder(kind, env, work, { converterImage: BIB_CONTRACT_IMAGE }));
  });
  afterAll(() => close());

  it('the second export is reused and the second download keeps the file', async () => {
    await b.create(plainBuild(id, 'tests/export-reuse'));
    await b.create(qcow2Export(`${id}-1`, id));
    await settleJob(b, 'ImageBuild', id);
    const first = await settleJob(b, 'ImageExport', `${id}-1`);
    expect(first.some((l) => l.startsWith('converting '))).toBe(true);
    const out = join(work, 'out'); // does not exist: created as a folder
    const d1 = await b.download(`${id}-1`, out);
    expect(d1.file).toBe(join(out, `${id}.qcow2`));
    const inode = statSync(d1.file).ino;

    await b.create(qcow2Export(`${id}-2`, id));
    const second = await settleJob(b, 'ImageExport', `${id}-2`);
    expect(second.some((l) => l.startsWith('reused application/vnd.qcow2 artifact'))).toBe(true);
    expect(second.some((l) => l.startsWith('converting '))).toBe(false);
    const e1 = await b.get('ImageExport', `${id}-1`);
    const e2 = await b.get('ImageExport', `${id}-2`);
    expect(e2.status?.manifestDigest).toBe(e1.status?.manifestDigest);

    const d2 = await b.download(`${id}-2`, out);
    expect(d2).toMatchObject({ file: d1.file, digest: d1.digest, size: d1.size, reused: true });
    expect(statSync(d1.file).ino).toBe(inode);
  });
});
