import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/index.js';
import { PUBKEY, TEST_CERT, TEST_KEY, buildDoc, repoDoc } from '../../test/fixtures.js';
import { parseImageBuild, parseRepository } from '../parse/parse-resource.js';
import {
  createBuildContext,
  DEFAULT_RPM_REPO_URL,
  type AgentPackageSource,
  type BuildContext,
  type BuildContextOptions,
} from './build-context.js';
import { renderAgentConfig, type EnrollmentConfig } from './enrollment-config.js';

const REPOS = [parseRepository(repoDoc('src-repo')), parseRepository(repoDoc('dst-repo', { accessMode: 'ReadWrite' }))];
const ENROLLMENT: EnrollmentConfig = {
  serviceUrl: 'https://agent-api.example.com:7443',
  certificateAuthority: TEST_CERT,
  clientCertificate: TEST_CERT,
  clientKey: TEST_KEY,
};

type SourceKind = 'repoUrl' | 'repoUrl+enable' | 'enabledRepo' | 'enabledRepo+enable' | 'localRpms';
function packageSource(kind: SourceKind, v: Values): AgentPackageSource {
  switch (kind) {
    case 'repoUrl':
      return { type: 'repoUrl', url: v.url };
    case 'repoUrl+enable':
      return { type: 'repoUrl', url: v.url, enableRepo: v.repoId };
    case 'enabledRepo':
      return { type: 'enabledRepo' };
    case 'enabledRepo+enable':
      return { type: 'enabledRepo', enableRepo: v.repoId };
    case 'localRpms':
      return { type: 'localRpms', files: [{ name: v.rpm, content: v.rpmBytes }] };
  }
}

interface Values {
  username: string;
  publickey: string;
  url: string;
  repoId: string;
  rpm: string;
  rpmBytes: Uint8Array;
  enrollment: EnrollmentConfig;
  tag: string;
}
const BENIGN: Values = {
  username: 'admin',
  publickey: PUBKEY,
  url: DEFAULT_RPM_REPO_URL,
  repoId: 'flightctl',
  rpm: 'flightctl-agent-1.0-1.x86_64.rpm',
  rpmBytes: Buffer.from('RPM'),
  enrollment: ENROLLMENT,
  tag: 'v1',
};
/** Values that pass validation yet are full of shell and Containerfile metacharacters. */
const HOSTILE: Values = {
  username: '.a-b_c$',
  publickey: `${PUBKEY.split(' ').slice(0, 2).join(' ')} ~!#%*+,./:=?@^ comment ARG X FROM y`,
  url: 'https://example.com/$(touch${IFS}pwned)/`id`/"\'\\;|&>x<y${HOME}',
  repoId: 'repo:x-1.a_b',
  rpm: 'evil$(x)+1.rpm'.replace(/[$()]/g, '_'),
  rpmBytes: Buffer.from('$(reboot)\n"\'\\\nRUN rm -rf /\n'),
  enrollment: {
    ...ENROLLMENT,
    serviceUrl: 'https://x.example.com/$(reboot)/"\'\\',
    uiEndpoint: 'https://ui.example.com/?a=`id`',
  },
  tag: '_.-x',
};

function makeContext(
  f: { binding: 'early' | 'late'; user: boolean; onboarding: boolean; source: SourceKind; vmTools?: boolean },
  v: Values,
): BuildContext {
  const build = parseImageBuild(
    buildDoc({
      binding: { type: f.binding },
      ...(f.user ? { userConfiguration: { username: v.username, publickey: v.publickey } } : {}),
      ...(f.onboarding ? { onboarding: true } : {}),
      destination: { repository: 'dst-repo', imageName: 'edge/os', imageTag: v.tag },
    }),
  );
  const options: BuildContextOptions = {
    agentPackages: packageSource(f.source, v),
    ...(f.binding === 'early' ? { enrollment: v.enrollment } : {}),
    ...(f.vmTools === false ? { vmTools: false } : {}),
  };
  return createBuildContext(build, REPOS, options);
}

const COMBOS = (['early', 'late'] as const).flatMap((binding) =>
  [false, true].flatMap((user) =>
    [false, true].flatMap((onboarding) =>
      (['repoUrl', 'repoUrl+enable', 'enabledRepo', 'enabledRepo+enable', 'localRpms'] as const).map((source) => ({
        binding,
        user,
        onboarding,
        source,
      })),
    ),
  ),
);
const label = (f: (typeof COMBOS)[number]) =>
  `${f.binding}${f.user ? ' +user' : ''}${f.onboarding ? ' +onboarding' : ''} ${f.source}`;

/* ---- a tiny interpreter for our Containerfile, running RUN steps in busybox sh with stub tools ---- */
const sandboxes: string[] = [];
afterAll(() => {
  for (const d of sandboxes) rmSync(d, { recursive: true, force: true });
});

function logicalLines(containerfile: string): string[] {
  return containerfile
    .replace(/\\\n/g, '')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'));
}

function runInSandbox(ctx: BuildContext): { root: string; calls: string[][] } {
  const root = mkdtempSync(join(tmpdir(), 'ib-core-cf-'));
  sandboxes.push(root);
  const stubs = join(root, '.stubs');
  mkdirSync(stubs);
  const calls = join(root, '.calls');
  const record = `#!/bin/sh\n{ printf '%s' "\${0##*/}"; for a in "$@"; do printf '\\037%s' "$a"; done; printf '\\036'; } >> "$CALLS"\n`;
  for (const tool of ['dnf', 'systemctl', 'useradd', 'usermod', 'chown'])
    writeFileSync(join(stubs, tool), record, { mode: 0o755 });
  writeFileSync(join(stubs, 'id'), `${record}echo 1000\n`, { mode: 0o755 });
  const rewrite = (s: string) => s.replace(/(^|[\s"'])\/(etc|home|tmp\/imagebuild)\b/g, `$1${root}/$2`);
  for (const line of logicalLines(ctx.containerfile)) {
    const [instr, ...rest] = line.split(' ');
    const args = rest.join(' ');
    if (instr === 'ARG') expect(Object.keys(ctx.buildArgs)).toContain(args);
    else if (instr === 'FROM') expect(args).toBe('${SOURCE_IMAGE}');
    else if (instr === 'COPY') {
      const [src, dest] = rest as [string, string];
      const matches = ctx.files.filter((f) => (src.endsWith('/') ? f.path.startsWith(src) : f.path === src));
      expect(matches.length).toBeGreaterThan(0);
      for (const f of matches) {
        const target = rewrite(src.endsWith('/') ? `${dest}${f.path.slice(src.length)}` : dest);
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, f.content, { mode: f.mode });
      }
    } else if (instr === 'RUN') {
      // dash, not busybox sh: busybox runs its own applets (chown, id) ahead of PATH, bypassing the stubs.
      execFileSync('/usr/bin/dash', ['-ec', rewrite(args)], {
        env: { ...ctx.buildArgs, PATH: `${stubs}:/usr/bin:/bin`, CALLS: calls },
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } else throw new Error(`unexpected instruction ${instr}`);
  }
  const log = existsSync(calls) ? readFileSync(calls, 'utf8') : '';
  return {
    root,
    calls: log
      .split('\u001e')
      .filter(Boolean)
      .map((r) => r.split('\u001f')),
  };
}

function mode(path: string): number {
  return statSync(path).mode & 0o7777;
}

describe('createBuildContext', () => {
  it.each(COMBOS.map((c) => [label(c), c] as const))('Containerfile snapshot: %s', (_name, f) => {
    const ctx = makeContext(f, BENIGN);
    expect(ctx.containerfile).toMatchSnapshot();
    // Every ARG has a value and every value has an ARG; COPY sources exist.
    const declared = logicalLines(ctx.containerfile)
      .filter((l) => l.startsWith('ARG '))
      .map((l) => l.slice(4));
    expect(declared.sort()).toEqual(Object.keys(ctx.buildArgs).sort());
  });

  it.each(COMBOS.map((c) => [label(c), c] as const))(
    'values reach the image only through build args and files: %s',
    (_name, f) => {
      const benign = makeContext(f, BENIGN);
      const hostile = makeContext(f, HOSTILE);
      expect(hostile.containerfile).toBe(benign.containerfile);
      for (const v of [
        HOSTILE.username,
        HOSTILE.publickey,
        HOSTILE.url,
        HOSTILE.repoId,
        HOSTILE.rpm,
        HOSTILE.enrollment.serviceUrl,
      ]) {
        expect(hostile.containerfile).not.toContain(v);
      }
      if (f.source.startsWith('repoUrl')) expect(hostile.buildArgs['RPM_REPO_URL']).toBe(HOSTILE.url);
      if (f.source.endsWith('+enable')) expect(hostile.buildArgs['RPM_REPO_ENABLE']).toBe(HOSTILE.repoId);
      if (f.user) expect(hostile.buildArgs['USERNAME']).toBe(HOSTILE.username);
    },
  );

  it.each(COMBOS.map((c) => [label(c), c] as const))(
    'the generated steps do what they say with hostile values: %s',
    (_name, f) => {
      const ctx = makeContext(f, HOSTILE);
      const { root, calls } = runInSandbox(ctx);
      const dnfFlags = ['-y', '--setopt=timeout=5', '--setopt=retries=0', '--setopt=skip_if_unavailable=true'];
      // Upstream enables the extra repository for the agent's install only.
      const agentFlags = [...dnfFlags, ...(f.source.endsWith('+enable') ? [`--enablerepo=${HOSTILE.repoId}`] : [])];
      const expected: string[][] = [];
      if (f.source.startsWith('repoUrl')) expected.push(['dnf', '-y', 'config-manager', '--add-repo', HOSTILE.url]);
      if (f.source === 'localRpms')
        expected.push(['dnf', 'install', ...agentFlags, `${root}/tmp/imagebuild/rpms/${HOSTILE.rpm}`]);
      else
        expected.push([
          'dnf',
          'install',
          ...agentFlags,
          'flightctl-agent',
          ...(f.onboarding ? ['flightctl-onboarding'] : []),
        ]);
      expected.push(['dnf', 'clean', 'all'], ['systemctl', 'enable', 'flightctl-agent.service']);
      if (f.onboarding) expected.push(['systemctl', 'enable', 'flightctl-onboarding-setup.service']);
      expected.push(
        ['dnf', 'install', ...dnfFlags, 'open-vm-tools'],
        ['dnf', 'clean', 'all'],
        ['systemctl', 'enable', 'vmtoolsd.service'],
      );
      if (f.binding === 'late')
        expected.push(['dnf', 'install', ...dnfFlags, 'ignition', 'afterburn', 'cloud-init'], ['dnf', 'clean', 'all']);
      else expected.push(['chown', '0:0', `${root}/etc/flightctl/config.yaml`]);
      if (f.user) {
        const u = HOSTILE.username;
        expected.push(
          ['useradd', '-m', '-s', '/bin/bash', u],
          ['usermod', '-aG', 'wheel', u],
          ['id', '-u', u],
          ['id', '-g', u],
          ['chown', '-R', '1000:1000', `${root}/home/${u}/.ssh`],
        );
      }
      expect(calls).toEqual(expected);

      if (f.binding === 'early') {
        const cfg = `${root}/etc/flightctl/config.yaml`;
        expect(readFileSync(cfg, 'utf8')).toBe(renderAgentConfig(HOSTILE.enrollment));
        expect(mode(cfg)).toBe(0o600);
      } else expect(existsSync(`${root}/etc/flightctl`)).toBe(false);
      if (f.user) {
        const u = HOSTILE.username;
        expect(readdirSync(`${root}/etc/sudoers.d`)).toEqual([u]);
        expect(readFileSync(`${root}/etc/sudoers.d/${u}`, 'utf8')).toBe(`${u} ALL=(ALL) NOPASSWD: ALL\n`);
        expect(mode(`${root}/etc/sudoers.d/${u}`)).toBe(0o440);
        expect(mode(`${root}/home/${u}/.ssh`)).toBe(0o700);
        expect(readFileSync(`${root}/home/${u}/.ssh/authorized_keys`, 'utf8')).toBe(`${HOSTILE.publickey}\n`);
        expect(mode(`${root}/home/${u}/.ssh/authorized_keys`)).toBe(0o600);
      }
      expect(existsSync(`${root}/tmp/imagebuild`)).toBe(false);
      expect(existsSync(join(root, 'pwned'))).toBe(false);
      const staged = f.binding === 'early' || f.user || f.source === 'localRpms';
      expect(readdirSync(root).sort()).toEqual(
        [
          '.calls',
          '.stubs',
          ...(f.binding === 'early' || f.user ? ['etc'] : []),
          ...(f.user ? ['home'] : []),
          ...(staged ? ['tmp'] : []),
        ].sort(),
      );
      if (staged) expect(readdirSync(join(root, 'tmp'))).toEqual([]);
    },
  );

  it('can leave out open-vm-tools', () => {
    const ctx = makeContext(
      { binding: 'late', user: false, onboarding: false, source: 'repoUrl', vmTools: false },
      BENIGN,
    );
    expect(ctx.containerfile).not.toContain('open-vm-tools');
    expect(ctx.containerfile).toMatchSnapshot();
  });

  it('exposes the images, build args and files', () => {
    const ctx = makeContext({ binding: 'early', user: true, onboarding: false, source: 'repoUrl' }, BENIGN);
    expect(ctx.containerfilePath).toBe('Containerfile');
    expect(ctx.sourceImage).toBe('127.0.0.1:5000/fixtures/bootc-base:latest');
    expect(ctx.destinationImage).toBe('127.0.0.1:5000/edge/os:v1');
    expect(ctx.buildArgs).toEqual({
      SOURCE_IMAGE: '127.0.0.1:5000/fixtures/bootc-base:latest',
      DNF_TIMEOUT: '5',
      DNF_RETRIES: '0',
      DNF_SKIP_UNAVAILABLE: 'true',
      RPM_REPO_URL: DEFAULT_RPM_REPO_URL,
      USERNAME: 'admin',
    });
    expect(ctx.files.map((f) => [f.path, f.mode.toString(8)])).toEqual([
      ['Containerfile', '644'],
      ['agent-config.yaml', '600'],
      ['user-publickey.txt', '644'],
    ]);
    expect(Buffer.from(ctx.files[2]!.content).toString()).toBe(`${PUBKEY}\n`);
  });

  it('tar() streams exactly the files, the same bytes on every call', async () => {
    const ctx = makeContext({ binding: 'early', user: true, onboarding: true, source: 'localRpms' }, HOSTILE);
    const read = async () => {
      const chunks: Buffer[] = [];
      for await (const c of ctx.tar()) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    };
    const a = await read();
    expect((await read()).equals(a)).toBe(true);
    for (const f of ctx.files) expect(a.includes(Buffer.from(f.content))).toBe(true);
    expect(ctx.files.map((f) => f.path)).toEqual([
      'Containerfile',
      'agent-config.yaml',
      `rpms/${HOSTILE.rpm}`,
      'user-publickey.txt',
    ]);
  });

  it('accepts the enrollment configuration as an agent config.yaml text', () => {
    const build = parseImageBuild(buildDoc({ binding: { type: 'early' } }));
    const ctx = createBuildContext(build, REPOS, {
      enrollment: renderAgentConfig(ENROLLMENT),
      dnf: { timeout: 30, retries: 2, skipUnavailable: false },
    });
    expect(Buffer.from(ctx.files.find((f) => f.path === 'agent-config.yaml')!.content).toString()).toBe(
      renderAgentConfig(ENROLLMENT),
    );
    expect(ctx.buildArgs).toMatchObject({ DNF_TIMEOUT: '30', DNF_RETRIES: '2', DNF_SKIP_UNAVAILABLE: 'false' });
  });

  it('refuses bad inputs with every problem named, and never echoes the key', () => {
    const build = parseImageBuild(buildDoc({ binding: { type: 'early' } }));
    const readOnly = [parseRepository(repoDoc('src-repo')), parseRepository(repoDoc('dst-repo'))];
    let caught: unknown;
    try {
      createBuildContext(build, readOnly, {
        agentPackages: {
          type: 'localRpms',
          files: [
            { name: '../x.rpm', content: new Uint8Array() },
            { name: '../x.rpm', content: new Uint8Array() },
          ],
        },
        dnf: { timeout: -1, retries: 1.5 },
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).issues.map((i) => i.path)).toEqual([
      'spec.destination.repository',
      'options.agentPackages.files[0].name',
      'options.agentPackages.files[1].name',
      'options.agentPackages.files[1].name',
      'options.dnf.timeout',
      'options.dnf.retries',
      'options.enrollment',
    ]);
    const secret = 'secret-key-material-123';
    expect(() => createBuildContext(build, REPOS, { enrollment: { ...ENROLLMENT, clientKey: secret } })).toThrowError(
      /clientKey: must be a PEM private key/,
    );
    try {
      createBuildContext(build, REPOS, { enrollment: { ...ENROLLMENT, clientKey: secret } });
    } catch (err) {
      expect(JSON.stringify((err as ValidationError).issues) + (err as Error).message).not.toContain(secret);
    }
    expect(() =>
      createBuildContext(parseImageBuild(buildDoc()), REPOS, {
        agentPackages: { type: 'repoUrl', url: 'https://x/a b', enableRepo: 'a b' },
      }),
    ).toThrowError(/options\.agentPackages\.url.*options\.agentPackages\.enableRepo/);
  });
});
