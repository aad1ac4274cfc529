import { deterministicTar, type BuildContext } from '@imagebuild/core/containerfile';
import type { Readable } from 'node:stream';

/** Label keys the appended instruction may name: the reverse-DNS grammar, nothing to quote. */
const KEY = /^[a-z0-9][a-z0-9._/-]{0,127}$/;
/** Build-arg names of the label values (`IB_LABEL_0`, …). */
const ARG_PREFIX = 'IB_LABEL_';

/**
 * dockerd's classic builder turns every entry of the `labels` parameter into a LABEL step of its
 * own (a container created and committed per label: four extra steps per build, the largest cost
 * the CLI does not pay); podman appends one LABEL step per entry too (~80 ms each). One LABEL instruction appended to the Containerfile sets the same labels
 * on the same final stage in one step. No value is written into the Containerfile: each travels
 * as a build argument the instruction expands (`"key"="${IB_LABEL_0}"`), and the keys must match
 * a grammar with nothing to escape. Returns undefined (keep the `labels` parameter) when a key does
 * not match or a build argument of that name already exists.
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
  const names = entries.map(([, v], i) => {
    args[`${ARG_PREFIX}${i}`] = v;
    return `${ARG_PREFIX}${i}`;
  });
  const line =
    `\nARG ${names.join(' ')}\n` + `LABEL ${entries.map(([k], i) => `"${k}"="\${${names[i]}}"`).join(' ')}\n`;
  const files = context.files.map((f) =>
    f.path === context.containerfilePath ? { ...f, content: Buffer.concat([f.content, Buffer.from(line)]) } : f,
  );
  return { tar: deterministicTar(files), buildArgs: args };
}
