import { usage } from '../exit.js';

export type Kind = 'ImageBuild' | 'ImageExport' | 'ImagePromotion' | 'Repository';

const ALIASES: Record<string, Kind> = {
  imagebuild: 'ImageBuild',
  imagebuilds: 'ImageBuild',
  ib: 'ImageBuild',
  imageexport: 'ImageExport',
  imageexports: 'ImageExport',
  ie: 'ImageExport',
  imagepromotion: 'ImagePromotion',
  imagepromotions: 'ImagePromotion',
  ip: 'ImagePromotion',
  repository: 'Repository',
  repositories: 'Repository',
  repo: 'Repository',
  repos: 'Repository',
};

/** Every spelling `TYPE` accepts (for help and completion). */
export const KIND_NAMES = Object.keys(ALIASES);

/** The lowercase singular used in `TYPE/NAME` output. */
export const kindSlug = (kind: Kind): string => kind.toLowerCase();

export function parseKind(text: string): Kind {
  const kind = ALIASES[text.toLowerCase()];
  if (!kind)
    throw usage(
      `unknown resource type "${text}"`,
      'use imagebuild (ib), imageexport (ie), imagepromotion (ip) or repository (repo)',
    );
  return kind;
}

/** `TYPE/NAME …` or `TYPE NAME …` → the kind and the names (all of one kind). */
export function parseTarget(args: readonly string[]): { kind: Kind; names: string[] } {
  const [first, ...rest] = args;
  if (!first) throw usage('a resource type is required', 'e.g. `imagebuild get ib` or `imagebuild get ib/NAME`');
  const slash = first.indexOf('/');
  if (slash < 0) return { kind: parseKind(first), names: rest };
  const kind = parseKind(first.slice(0, slash));
  const names = [first.slice(slash + 1)];
  for (const arg of rest) {
    const s = arg.indexOf('/');
    if (s < 0) names.push(arg);
    else if (parseKind(arg.slice(0, s)) !== kind)
      throw usage('all resources of one command must be of one type', `got ${first} and ${arg}`);
    else names.push(arg.slice(s + 1));
  }
  if (names.some((n) => n === '')) throw usage('a resource name is empty', 'write TYPE/NAME, e.g. ib/my-build');
  return { kind, names };
}
