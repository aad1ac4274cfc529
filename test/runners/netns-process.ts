import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readlinkSync } from 'node:fs';

/**
 * A process in a network namespace of its own, reachable from this (root) namespace over a veth pair:
 * test traffic then goes only to a host the test created, never to an address of the machine's network.
 * The namespace is anonymous and held by the process alone: whatever ends the process (stop(), the exit
 * hook, or the kernel's parent-death signal when this process is killed) also ends the namespace and,
 * with it, both ends of the veth. Nothing persists (no /run/netns entry, no route beyond the veth's own).
 */
export interface NetnsProcess {
  /** The namespace end's IPv4 address (the process listens there). */
  address: string;
  /** The process's pid (also the namespace's only process). */
  pid: number;
  /** True once the process has exited. */
  exited(): boolean;
  /** Last lines of the process's stderr (bounded), for error messages. */
  stderr(): string;
  /** Kills the process by pid and deletes the veth. Idempotent. */
  stop(): Promise<void>;
}

/** 10.213.0.0/16, cut into /30s: private, and unlikely to be a route of a test host or a container network. */
const BLOCK = [10, 213] as const;
const SLOTS = 16_384;
let started = 0;

function ip(args: string[], pid?: number): void {
  const argv = pid === undefined ? ['ip', ...args] : ['nsenter', '--target', String(pid), '--net', 'ip', ...args];
  execFileSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
}

function toInt(addr: string): number {
  return addr.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

/** Every IPv4 prefix routed in this namespace, as [first, last] address. */
function routedRanges(): [number, number][] {
  const routes = JSON.parse(execFileSync('ip', ['-j', '-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' }));
  const ranges: [number, number][] = [];
  for (const r of routes as { dst?: string }[]) {
    const m = /^(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?$/.exec(r.dst ?? '');
    if (!m) continue;
    const bits = Number(m[2] ?? 32);
    const size = 2 ** (32 - bits);
    const first = toInt(m[1]!) - (toInt(m[1]!) % size);
    ranges.push([first, first + size - 1]);
  }
  return ranges;
}

/** A /30 of BLOCK no route here overlaps; the pid picks where to start, so parallel processes rarely meet. */
function freeSubnet(): string {
  const ranges = routedRanges();
  const base = (BLOCK[0] * 256 + BLOCK[1]) * 65_536;
  for (let i = 0; i < SLOTS; i++) {
    const first = base + ((process.pid * 8 + started + i) % SLOTS) * 4;
    if (ranges.some(([a, b]) => a <= first + 3 && first <= b)) continue;
    return `${BLOCK[0]}.${BLOCK[1]}.${Math.floor((first % 65_536) / 256)}.${first % 256}`;
  }
  throw new Error(`no free /30 in ${BLOCK.join('.')}.0.0/16 for a test network namespace`);
}

function plus(subnet: string, n: number): string {
  const o = subnet.split('.').map(Number);
  return `${o[0]}.${o[1]}.${o[2]}.${o[3]! + n}`;
}

async function until(what: string, ok: () => boolean, child: ChildProcess): Promise<void> {
  for (let i = 0; !ok(); i++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what}: the process exited`);
    if (i >= 500) throw new Error(`${what}: not after 5 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Starts the command `command(address)` returns in a new network namespace joined to this one by a veth
 * pair (host end `.1/30` here, namespace end `.2/30` = `address`, with `lo`, all up). The command is
 * exec'd only once the namespace's network is up, so it can bind `address` at once. No iptables rule or
 * forwarding is needed: the /30 is directly connected.
 */
export async function spawnInNetns(command: (address: string) => string[]): Promise<NetnsProcess> {
  const n = started++;
  const subnet = freeSubnet();
  const hostIp = plus(subnet, 1);
  const nsIp = plus(subnet, 2);
  const argv = command(nsIp);
  // ≤ 15 bytes (IFNAMSIZ), unique per process and per namespace.
  const tag = `ibt${process.pid.toString(36)}x${n.toString(36)}`;
  const hostEnd = `${tag}h`;
  const nsEnd = `${tag}n`;
  if (hostEnd.length > 15) throw new Error(`veth name ${hostEnd} is longer than 15 bytes`);
  const ownNet = readlinkSync('/proc/self/ns/net');
  // unshare, setpriv and sh exec each other: one pid throughout. The parent-death signal survives the execs.
  const child = spawn(
    'unshare',
    [
      '--net',
      '--',
      'setpriv',
      '--pdeathsig',
      'KILL',
      '--',
      'sh',
      '-c',
      'read -r go && [ "$go" = go ] && exec "$@"',
      'sh',
      ...argv,
    ],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let tail = '';
  child.on('error', (err) => {
    tail = `${tail}${err.message}`.slice(-2000);
  });
  // EPIPE if the process died before 'go': reported through its exit instead.
  child.stdin?.on('error', () => {});
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    tail = (tail + d).slice(-2000);
  });
  const pid = child.pid;
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const deleteVeth = (): void => {
    try {
      ip(['link', 'del', hostEnd]);
    } catch {
      // Already gone: it went with the namespace.
    }
  };
  const killSync = (): void => {
    if (pid !== undefined && !gone()) child.kill('SIGKILL');
    deleteVeth();
  };
  // First among the exit hooks: the process must be gone before its files are removed.
  process.prependOnceListener('exit', killSync);
  try {
    if (pid === undefined) throw new Error('could not start unshare');
    const netOf = (): string | undefined => {
      try {
        return readlinkSync(`/proc/${pid}/ns/net`);
      } catch {
        return undefined;
      }
    };
    await until('entering a new network namespace', () => (netOf() ?? ownNet) !== ownNet, child);
    ip(['link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', nsEnd, 'netns', String(pid)]);
    ip(['addr', 'add', `${hostIp}/30`, 'dev', hostEnd]);
    ip(['link', 'set', hostEnd, 'up']);
    ip(['link', 'set', 'lo', 'up'], pid);
    ip(['addr', 'add', `${nsIp}/30`, 'dev', nsEnd], pid);
    ip(['link', 'set', nsEnd, 'up'], pid);
    child.stdin?.end('go\n');
  } catch (err) {
    killSync();
    process.removeListener('exit', killSync);
    throw new Error(`could not set up a test network namespace: ${(err as Error).message} ${tail}`.trim(), {
      cause: err,
    });
  }
  return {
    address: nsIp,
    pid,
    exited: gone,
    stderr: () => tail,
    async stop() {
      if (!gone()) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      deleteVeth();
      process.removeListener('exit', killSync);
    },
  };
}
