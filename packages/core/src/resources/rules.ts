/**
 * Flight Control's field rules (facts §2, §3), as plain predicates with the
 * rule text each one reports. Every message names the rule, never the value.
 */

/** DNS-1123 label: lowercase alphanumerics and `-`, alphanumeric at both ends. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** DNS-1123 subdomain: labels joined by dots (length checked separately, ≤ 253). */
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const DNS1123_SUBDOMAIN_MAX = 253;

/** Container image tag (OCI distribution spec). */
export const IMAGE_TAG = /^[\w][\w.-]{0,127}$/;
export const IMAGE_TAG_MAX = 128;

/**
 * OCI repository path: lowercase components with `.`, `_`, `__` or dashes between alphanumerics, joined
 * by `/`. Same language as upstream's pattern (facts §3.1), written so that no input backtracks: upstream's
 * `(?:[._]|__|[-]*)` lets an empty separator split a run of alphanumerics every possible way (exponential).
 */
export const IMAGE_NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
export const IMAGE_NAME_MAX = 255;

/** useradd's rule for user names (no `@`; an optional trailing `$` for machine accounts). */
export const USERNAME = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$/;
export const USERNAME_MAX = 256;
/**
 * Names a bootc base image already has as a user or group: upstream's `useradd -m <user>` (which also
 * creates a group of the same name) fails on them at build time, and `root`/`wheel` would hand out
 * more than a login. Fedora/CentOS `setup` package accounts plus the system accounts of bootc images.
 */
export const RESERVED_USERNAMES: ReadonlySet<string> = new Set([
  'root',
  'bin',
  'daemon',
  'adm',
  'lp',
  'sync',
  'shutdown',
  'halt',
  'mail',
  'operator',
  'games',
  'ftp',
  'nobody',
  'wheel',
  'sys',
  'tty',
  'disk',
  'mem',
  'kmem',
  'audio',
  'video',
  'cdrom',
  'dialout',
  'floppy',
  'tape',
  'utmp',
  'utempter',
  'input',
  'kvm',
  'render',
  'sgx',
  'lock',
  'man',
  'uucp',
  'users',
  'sshd',
  'ssh_keys',
  'dbus',
  'polkitd',
  'chrony',
  'tss',
  'rpc',
  'rpcuser',
  'unbound',
  'systemd-journal',
  'systemd-network',
  'systemd-resolve',
  'systemd-timesync',
  'systemd-oom',
  'systemd-coredump',
  'flightctl',
]);
export const PUBLICKEY_MAX = 8192;
/** OpenSSH key types `userConfiguration.publickey` may have (its first field). */
export const PUBLICKEY_TYPES = [
  'ssh-rsa',
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-dss',
] as const;
const PUBLICKEY_FORBIDDEN = /[;|&`(){}[\]<>"'\\\t$]/;
const PUBLICKEY_DATA = /^[A-Za-z0-9+/]+=*$/;
/** True when `value` has a C0 control character (tab aside unless `tab`), DEL, a C1 control or U+2028/9. */
export function hasControlCharacters(value: string, tab = true): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && (tab || c !== 0x09)) || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

/**
 * True for base64 text with whitespace anywhere (PEM line breaks) and up to two `=` at the end. A scan,
 * not a pattern: `[…\s]*={0,2}\s*$` backtracks quadratically over runs of whitespace.
 */
export function isBase64Text(value: string, allowEmpty = true): boolean {
  let pad = 0;
  let data = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) continue;
    if (c === 0x3d) {
      pad++;
      continue;
    }
    const b64 =
      (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
    if (!b64 || pad > 0) return false;
    data++;
  }
  return pad <= 2 && (allowEmpty || data > 0);
}

const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_NAME_MAX = 63;
export const LABEL_VALUE_MAX = 63;
/** Total size of all annotation keys and values (Kubernetes: 256 KiB). */
export const ANNOTATIONS_TOTAL_MAX = 256 * 1024;

/** Returns the rules a DNS-1123 subdomain name breaks (empty when valid). */
export function dns1123SubdomainProblems(value: string): string[] {
  const out: string[] = [];
  if (value.length > DNS1123_SUBDOMAIN_MAX) out.push(`must be no more than ${DNS1123_SUBDOMAIN_MAX} characters`);
  if (!DNS1123_SUBDOMAIN.test(value)) {
    out.push(
      "must be a lowercase RFC 1123 subdomain: lowercase alphanumerics, '-' or '.', starting and ending with an alphanumeric",
    );
  }
  return out;
}

/** Kubernetes qualified name (label or annotation key): `[prefix/]name`. */
export function qualifiedNameProblems(key: string): string[] {
  const parts = key.split('/');
  if (parts.length > 2) return ["must be a qualified name: an optional DNS subdomain prefix and '/', then a name"];
  const name = parts.length === 2 ? parts[1]! : parts[0]!;
  const out: string[] = [];
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix.length === 0) out.push('prefix part must be non-empty');
    else out.push(...dns1123SubdomainProblems(prefix).map((p) => `prefix part ${p}`));
  }
  if (name.length === 0) out.push('name part must be non-empty');
  else {
    if (name.length > LABEL_NAME_MAX) out.push(`name part must be no more than ${LABEL_NAME_MAX} characters`);
    if (!LABEL_NAME.test(name)) {
      out.push("name part must consist of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric");
    }
  }
  return out;
}

/** Kubernetes label value: empty, or ≤ 63 characters of the label-name alphabet. */
export function labelValueProblems(value: string): string[] {
  const out: string[] = [];
  if (value.length > LABEL_VALUE_MAX) out.push(`must be no more than ${LABEL_VALUE_MAX} characters`);
  if (value.length > 0 && !LABEL_NAME.test(value)) {
    out.push("must be empty or consist of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric");
  }
  return out;
}

/** `userConfiguration.username` (useradd rules). */
export function usernameProblems(value: string): string[] {
  const out: string[] = [];
  if (value.length === 0) return ['is required'];
  if (value.trim() !== value) out.push('must not have leading or trailing whitespace');
  if (value.length > USERNAME_MAX) out.push(`must be no more than ${USERNAME_MAX} characters`);
  if (!USERNAME.test(value)) out.push(`must match ${USERNAME.source} (useradd rules)`);
  // Stricter than upstream: "." and ".." would turn /home/<user> and /etc/sudoers.d/<user> into other paths.
  if (value === '.' || value === '..') out.push('must not be "." or ".."');
  if (RESERVED_USERNAMES.has(value.toLowerCase()) || value.startsWith('systemd-')) {
    out.push('must not be a system account or group name (root, wheel, bin, daemon, nobody, systemd-*, …)');
  }
  return out;
}

/** `userConfiguration.publickey`: one OpenSSH public key line. */
export function publickeyProblems(value: string): string[] {
  if (value.length === 0) return ['is required'];
  const out: string[] = [];
  if (value.length > PUBLICKEY_MAX) out.push(`must be no more than ${PUBLICKEY_MAX} characters`);
  const line = value.replace(/\r?\n$/, '');
  if (/[\r\n]/.test(line)) out.push('must be a single line');
  // NUL, VT, FF, DEL, C1 and U+2028/2029 reach authorized_keys and terminals: no control characters at all.
  else if (hasControlCharacters(line, false))
    out.push('must not contain control characters or line/paragraph separators');
  if (PUBLICKEY_FORBIDDEN.test(line)) {
    out.push('must not contain any of ;|&`(){}[]<>"\'\\, tab or $');
  }
  const fields = line
    .trim()
    .split(/\s+/)
    .filter((f) => f.length > 0);
  if (fields.length < 2) {
    out.push('must have at least a key type and base64 key data separated by whitespace');
    return out;
  }
  if (!(PUBLICKEY_TYPES as readonly string[]).includes(fields[0]!)) {
    out.push(`key type must be one of ${PUBLICKEY_TYPES.join(', ')}`);
  }
  const data = fields[1]!;
  if (!PUBLICKEY_DATA.test(data)) out.push('key data must be base64');
  if (data.length < 50) out.push('key data must be at least 50 characters');
  return out;
}

const HOSTNAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)*[a-z]([-a-z0-9]*[a-z0-9])?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
export const REGISTRY_MAX = 269;

/** True for a syntactically valid IPv6 address (no zone), without brackets. */
export function isIPv6(host: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(host) || !host.includes(':')) return false;
  let h = host;
  let groupsNeeded = 8;
  const lastColon = h.lastIndexOf(':');
  const tail = h.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!IPV4.test(tail)) return false;
    h = `${h.slice(0, lastColon + 1)}0:0`;
  }
  const dbl = h.split('::');
  if (dbl.length > 2) return false;
  const group = /^[0-9a-fA-F]{1,4}$/;
  if (dbl.length === 2) {
    const left = dbl[0] === '' ? [] : dbl[0]!.split(':');
    const right = dbl[1] === '' ? [] : dbl[1]!.split(':');
    if (![...left, ...right].every((g) => group.test(g))) return false;
    return left.length + right.length < groupsNeeded;
  }
  const groups = h.split(':');
  groupsNeeded = 8;
  return groups.length === groupsNeeded && groups.every((g) => group.test(g));
}

/** Splits `host[:port]` / `[v6][:port]`; undefined when the shape is wrong. */
export function splitHostPort(
  value: string,
): { host: string; port: string | undefined; bracketed: boolean } | undefined {
  if (value.startsWith('[')) {
    const close = value.indexOf(']');
    if (close < 0) return undefined;
    const rest = value.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return undefined;
    return { host: value.slice(1, close), port: rest === '' ? undefined : rest.slice(1), bracketed: true };
  }
  const parts = value.split(':');
  if (parts.length > 2) return undefined;
  return { host: parts[0]!, port: parts[1], bracketed: false };
}

/** A Repository's `registry`: hostname, FQDN, IPv4 or bracketed IPv6, with an optional port 1..65535. */
export function registryProblems(value: string): string[] {
  const rule =
    'must be a hostname, FQDN, IPv4 address or [IPv6] address, with an optional :port (e.g. quay.io, 192.168.1.1:5000, [::1]:5000)';
  if (value.length === 0) return ['is required'];
  if (value.length > REGISTRY_MAX) return [`must be no more than ${REGISTRY_MAX} characters`];
  const hp = splitHostPort(value);
  if (!hp) return [rule];
  const out: string[] = [];
  if (hp.bracketed) {
    if (!isIPv6(hp.host)) out.push('must contain a valid IPv6 address inside the brackets');
  } else if (!IPV4.test(hp.host)) {
    if (!HOSTNAME.test(hp.host)) out.push(rule);
    else if (hp.host.split('.').some((l) => l.length > 63))
      out.push('each DNS label must be no more than 63 characters');
  }
  if (hp.port !== undefined) {
    const n = /^\d{1,5}$/.test(hp.port) ? Number(hp.port) : NaN;
    if (!(n >= 1 && n <= 65535)) out.push('port must be between 1 and 65535');
  }
  return out;
}
