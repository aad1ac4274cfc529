import type { Command } from 'commander';
import { KIND_NAMES, parseKind } from './kinds.js';
import { connect } from '../remote/connect.js';
import { remoteSource } from '../remote/remote-source.js';

const NAMED = new Set(['get', 'delete', 'cancel', 'logs', 'download', 'wait', 'new-version']);

function flagsOf(cmd: Command): string[] {
  return cmd.options.flatMap((o) => [o.long, o.short].filter((f): f is string => typeof f === 'string'));
}

/** Candidates for the last word of `words` (what the shell scripts of `completion` ask for). */
export async function complete(program: Command, words: readonly string[]): Promise<string[]> {
  const current = words[words.length - 1] ?? '';
  const before = words.slice(0, -1);
  const globals = flagsOf(program);
  const sub = program.commands.find((c) => before.includes(c.name()));
  const match = (list: readonly string[]): string[] => list.filter((w) => w.startsWith(current));
  if (!sub)
    return current.startsWith('-')
      ? match(globals)
      : match(program.commands.map((c) => c.name()).filter((n) => !n.startsWith('_')));
  if (current.startsWith('-')) return match([...flagsOf(sub), ...globals]);
  if (sub.name() === 'completion') return match(['bash', 'zsh', 'fish']);
  if (!NAMED.has(sub.name())) return [];
  const positional = before.slice(before.indexOf(sub.name()) + 1).filter((w) => !w.startsWith('-'));
  const kindWord = current.includes('/') ? current.slice(0, current.indexOf('/')) : positional[0];
  if (positional.length === 0 && !current.includes('/')) return match(KIND_NAMES);
  if (!kindWord) return [];
  const prefix = current.includes('/') ? `${kindWord}/` : '';
  const names = await liveNames(kindWord, before);
  return match(names.map((n) => `${prefix}${n}`));
}

function flagValue(words: readonly string[], ...flags: string[]): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    for (const f of flags) {
      if (w === f) return words[i + 1];
      if (w.startsWith(`${f}=`)) return w.slice(f.length + 1);
    }
  }
  return undefined;
}

async function liveNames(kindWord: string, words: readonly string[]): Promise<string[]> {
  try {
    const kind = parseKind(kindWord);
    const source = remoteSource(
      await connect({
        ...(flagValue(words, '--config-dir') ? { configDir: flagValue(words, '--config-dir') as string } : {}),
        ...(flagValue(words, '-c', '--context') ? { context: flagValue(words, '-c', '--context') as string } : {}),
        requestTimeout: '3s',
      }),
    );
    try {
      const names: string[] = [];
      for await (const page of source.pages(kind, { limit: 500 })) {
        names.push(...page.items.map((i) => i.metadata.name ?? ''));
        break;
      }
      return names;
    } finally {
      await source.close();
    }
  } catch {
    // shell completion must never fail: no candidates instead
    return [];
  }
}
