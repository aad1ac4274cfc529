import { deterministicTar, type BuildContext } from '@imagebuild/core';
import type { Readable } from 'node:stream';

/** Printable ASCII only: a value with anything else keeps the engine's `labels` parameter. */
const PLAIN = /^[\x20-\x7e]*$/;

const quote = (s: string): string => `"${s.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`;

/**
 * dockerd's classic builder turns every entry of the `labels` parameter into a LABEL step of its
 * own (a container created and committed per label: four extra steps per build, the largest cost
 * the CLI does not pay). One LABEL instruction appended to the Containerfile sets the same labels
 * on the same final stage in one step. Returns undefined (keep the parameter) when a value is not
 * plain printable ASCII, which the Containerfile's quoting could not carry unchanged.
 */
export function contextWithLabels(
  context: BuildContext,
  labels: Readonly<Record<string, string>>,
): Readable | undefined {
  const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0 || entries.some(([k, v]) => !PLAIN.test(k) || !PLAIN.test(v))) return undefined;
  const line = `\nLABEL ${entries.map(([k, v]) => `${quote(k)}=${quote(v)}`).join(' ')}\n`;
  const files = context.files.map((f) =>
    f.path === context.containerfilePath ? { ...f, content: Buffer.concat([f.content, Buffer.from(line)]) } : f,
  );
  return deterministicTar(files);
}
