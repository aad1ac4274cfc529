import type { Command } from 'commander';

/** Collects a repeatable flag's values. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The root program's options merged with the command's (what every action reads). */
export function allOptions<T>(cmd: Command): T {
  return cmd.optsWithGlobals() as T;
}

export function stateOptions(cmd: Command): Command {
  return cmd.option('--state <dir>', 'local state directory (default ~/.local/share/imagebuild)');
}
