/**
 * Runs one hostile case in a child process and checks its budgets: the case body may use at most 1 s
 * of CPU and grow the resident set by at most 200 MiB; the process must exit normally (a crash or a
 * V8 fatal error is a failure, not a lost worker), and no output may carry a secret canary.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CPU_BUDGET_MS = 1000;
export const RSS_BUDGET_MIB = 200;
/** Characters of secrets the cases plant; none may appear in any output. */
export const CANARY = 'CANARY-7f3e';

export interface CaseResult {
  ok: boolean;
  /** What the case saw (error code, class, message…), for the test to assert. */
  outcome: Record<string, unknown>;
  cpuMs: number;
  rssGrowthMiB: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** Runs `test/hostile/support/<script>` with `caseName`; resolves whatever happens (a death is reported). */
export function runCase(
  script: string,
  caseName: string,
  env: Record<string, string> = {},
  execArgv: string[] = [],
): Promise<CaseResult> {
  const file = fileURLToPath(new URL(script, import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@imagebuild/source', '--import', 'tsx', ...execArgv, file, caseName],
      { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.on('close', (exitCode, signal) => {
      clearTimeout(killer);
      const last = output
        .trim()
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('{"case"'));
      const parsed = last ? (JSON.parse(last) as Partial<CaseResult>) : {};
      resolve({
        ok: parsed.ok ?? false,
        outcome: parsed.outcome ?? {},
        cpuMs: parsed.cpuMs ?? Number.NaN,
        rssGrowthMiB: parsed.rssGrowthMiB ?? Number.NaN,
        exitCode,
        signal,
        output,
      });
    });
  });
}

/** In the child: measures `body` and prints the one result line `runCase` reads. */
export async function measure(name: string, body: () => Promise<Record<string, unknown>>): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  const cpuBefore = process.cpuUsage();
  let outcome: Record<string, unknown>;
  let ok = true;
  try {
    outcome = await body();
  } catch (err) {
    ok = false;
    outcome = { unexpected: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
  const cpu = process.cpuUsage(cpuBefore);
  const peak = process.resourceUsage().maxRSS * 1024;
  const result = {
    case: name,
    ok,
    outcome,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    rssGrowthMiB: Math.round((peak - rssBefore) / 1024 / 1024),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** What an error looks like to a case's assertions (class, code, limit, message). */
export function describeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { thrown: String(err) };
  const e = err as Error & { code?: unknown; limit?: unknown; status?: unknown };
  return { name: e.name, code: e.code, limit: e.limit, status: e.status, message: e.message };
}
