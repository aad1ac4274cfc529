import { deterministicTar, type BuildContext } from '@imagebuild/core/containerfile';
import type { Readable } from 'node:stream';

/** Label keys the appended instruction may name: the reverse-DNS grammar, nothing to quote. */
const KEY = /^[a-z0-9][a-z0-9._/-]{0,127}$/;
/** Values written into the instruction as they are: nothing a quoted LABEL value expands or ends on. */
const LITERAL = /^[A-Za-z0-9._:/@+-]{0,512}$/;
/** Build-arg names of the other label values (`IB_LABEL_0`, …). */
const ARG_PREFIX = 'IB_LABEL_';

/**
 * dockerd's classic builder turns every entry of the `labels` parameter into a LABEL step of its
 * own (a container created and committed per label: four extra steps per build, the largest cost
 * the CLI does not pay); podman appends one LABEL step per entry too (~80 ms each). One LABEL
 * instruction sets the same labels in one step. A value is written into the Containerfile only when
 * it matches a grammar with nothing to escape (digests, image references, job ids); any other travels
 * as a build argument the instruction expands (`"key"="${IB_LABEL_0}"`). The keys must match a
 * grammar with nothing to escape.
 *
 * The instruction goes right after the final stage's FROM, not at the end: every layer the build
 * commits then carries the job's label, so no other job, process or CLI build shares a layer with
 * it (dockerd's cache could hand one build's fresh layer to another running at the same time, and
 * the first one's cleanup would pull it from under the second). Nothing is lost: a job's layers are
 * removed when it ends, so its cache never served a later build.
 *
 * Returns undefined (keep the `labels` parameter) when a key does not match, a build argument of
 * that name already exists, or the Containerfile has no FROM line.
 */
export function contextWithLabels(
  context: BuildContext,
  labels: Readonly<Record<string, string>>,
  buildArgs: Readonly<Record<string, string>>,
): { tar: Readable; buildArgs: Record<string, string> } | undefined {
  const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0 || entries.some(([k]) => !KEY.test(k))) return undefined;
  if (Object.keys(buildArgs).some((k) => k.startsWith(ARG_PREFIX))) return undefined;
  const args: Record<string, string> = { ...buildArgs };
  const viaArgs: string[] = [];
  const pairs = entries.map(([k, v]) => {
    // a value of the literal grammar is written as is (the ARG instruction is one step more)
    if (LITERAL.test(v)) return `"${k}"="${v}"`;
    const name = `${ARG_PREFIX}${viaArgs.length}`;
    viaArgs.push(name);
    args[name] = v;
    return `"${k}"="\${${name}}"`;
  });
  const instruction = `${viaArgs.length > 0 ? `ARG ${viaArgs.join(' ')}\n` : ''}LABEL ${pairs.join(' ')}\n`;
  const original = context.files.find((f) => f.path === context.containerfilePath);
  if (!original) return undefined;
  const text = Buffer.from(original.content).toString('utf8');
  // the last line that starts a stage (one pass; FROM is the only instruction that can)
  let at = -1;
  for (let i = 0; i < text.length; i = text.indexOf('\n', i) + 1 || text.length) {
    if (/^FROM\s/i.test(text.slice(i, i + 5))) at = i;
  }
  if (at < 0) return undefined;
  const end = text.indexOf('\n', at);
  const cut = end < 0 ? text.length : end + 1;
  // a FROM continued on the next line is not one we can insert after safely
  if (text.slice(at, cut).trimEnd().endsWith('\\')) return undefined;
  const content = Buffer.from(`${text.slice(0, cut)}${end < 0 ? '\n' : ''}${instruction}${text.slice(cut)}`);
  const files = context.files.map((f) => (f === original ? { ...f, content } : f));
  return { tar: deterministicTar(files), buildArgs: args };
}
