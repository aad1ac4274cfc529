/** The fields of os-release(5) an SBOM uses; every other key stays in `fields`. */
export interface OsRelease {
  /** `ID`, e.g. `fedora`, `rhel`, `centos`. */
  id: string | undefined;
  /** `VERSION_ID`, e.g. `9.4`. */
  versionId: string | undefined;
  /** `NAME`. */
  name: string | undefined;
  /** `PRETTY_NAME`. */
  prettyName: string | undefined;
  /** Every KEY=value pair, unquoted. */
  fields: Record<string, string>;
}

const LINE = /^([A-Z][A-Z0-9_]*)=(.*)$/;

/**
 * Parses os-release(5): `KEY=value` lines, values optionally in single or double quotes (with `\`
 * escapes inside double quotes); comments and malformed lines are skipped. Linear in the input.
 */
export function parseOsRelease(text: string): OsRelease {
  const fields: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const m = LINE.exec(raw.trim());
    if (!m) continue;
    fields[m[1]!] = unquote(m[2]!.trim());
  }
  return {
    id: fields.ID,
    versionId: fields.VERSION_ID,
    name: fields.NAME,
    prettyName: fields.PRETTY_NAME,
    fields,
  };
}

function unquote(v: string): string {
  if (v.length >= 2 && v[0] === "'" && v.endsWith("'")) return v.slice(1, -1);
  if (v.length >= 2 && v[0] === '"' && v.endsWith('"')) return v.slice(1, -1).replace(/\\(.)/g, '$1');
  return v;
}
