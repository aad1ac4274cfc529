/**
 * The converter container's command. The script is a constant: every value reaches it as a
 * positional argument, never spliced into text. First it writes the public inputs it was given as
 * arguments (the registry CA to `/etc/containers/certs.d/<registry>/ca.crt`, a config without
 * secrets to `/config.json` on the tmpfs at `/run/containers`), then moves what the runner put into
 * the created container through the archive API (`/.imagebuild-in`: never Env, Cmd or a volume) into
 * place: the registry credentials to `/run/containers/0/auth.json` (root's default podman auth file),
 * a config with secrets to `/config.json`, a CA too large for an argument to `certs.d`. Then it pulls exactly the built digest into the container's private
 * storage, tags it with the destination tag and converts the tag, so the disk records the tag as its
 * bootc target (what a device's `bootc status` and agent report) while its content is the built
 * digest. Its exit status is the container's.
 */
export const CONVERTER_SCRIPT = [
  'exec 2>&1',
  'pinned="$1"; target="$2"; tlsverify="$3"; marker="$4"; registry="$5"; ca="$6"; config="$7"; shift 7',
  'printf %s "$marker" > /output/.imagebuild-marker || exit 1',
  'if [ -n "$ca" ]; then mkdir -p "/etc/containers/certs.d/$registry" && printf "%s\\n" "$ca" > "/etc/containers/certs.d/$registry/ca.crt" || exit 1; fi',
  'if [ -n "$config" ]; then printf %s "$config" > /run/containers/config.json && ln -sf /run/containers/config.json /config.json || exit 1; fi',
  'in=/.imagebuild-in',
  'if [ -d "$in" ]; then',
  '  if [ -f "$in/auth.json" ]; then mkdir -p /run/containers/0 && mv "$in/auth.json" /run/containers/0/auth.json || exit 1; fi',
  '  if [ -f "$in/config.json" ]; then mv "$in/config.json" /run/containers/config.json && ln -sf /run/containers/config.json /config.json || exit 1; fi',
  '  if [ -d "$in/certs.d" ]; then mkdir -p /etc/containers/certs.d && cp -R "$in/certs.d/." /etc/containers/certs.d/ || exit 1; fi',
  '  rm -rf "$in"',
  'fi',
  'podman pull -q --tls-verify="$tlsverify" "$pinned" >/dev/null || exit',
  'podman tag "$pinned" "$target" || exit',
  'bootc-image-builder "$@" "$target"; code=$?',
  // the same end as a file in the output volume: a runner on the engine's host sees it at once
  // (inotify), where podman's log stream polls every 250 ms
  'printf "%s %s" "$marker" "$code" > /output/.imagebuild-exit || true',
  // the converter's own end, told on its log: the runner reads the output from here on, without
  // waiting for the engine to notice the exit (podman: after its cleanup, seconds on a loaded host)
  'echo "imagebuild-exit $marker $code"',
  'exit "$code"',
].join('\n');

/** The file the script writes its end to (`<marker> <exit status>`), relative to the output directory. */
export const EXIT_FILE = '.imagebuild-exit';

/** The marker file, relative to the output directory. */
export const MARKER_FILE = '.imagebuild-marker';

/** The tmpfs the script moves credentials and config into (mounted by the container's HostConfig). */
export const SECRETS_TMPFS = '/run/containers';

export interface ConverterArgs {
  /** `registry/repository@sha256:…`: what is pulled (exactly the built platform manifest). */
  pinned: string;
  /** `registry/repository:tag`: what is converted and recorded as the bootc target. */
  target: string;
  tlsVerify: boolean;
  /** A random value the script writes to `/output/.imagebuild-marker`: tells a local reader it sees this very volume. */
  marker: string;
  /** Registry host[:port] (validated): the `certs.d` directory of `ca`. */
  registry: string;
  /** The registry CA PEM, public ('' when none or handed over in the tar). */
  ca: string;
  /** bootc-image-builder config JSON without secrets ('' when none or handed over in the tar). */
  config: string;
  /** bootc-image-builder flags (before the image reference). */
  flags: readonly string[];
}

/** `Entrypoint` + `Cmd` for the converter container. */
export function converterCommand(args: ConverterArgs): { entrypoint: string[]; cmd: string[] } {
  return {
    entrypoint: ['/bin/sh', '-c'],
    cmd: [
      CONVERTER_SCRIPT,
      'convert',
      args.pinned,
      args.target,
      String(args.tlsVerify),
      args.marker,
      args.registry,
      args.ca,
      args.config,
      ...args.flags,
    ],
  };
}

export interface ConverterFlags {
  type: string;
  rootfs: string;
  targetArch: string | undefined;
  chown: string | undefined;
  useLibrepo: boolean | undefined;
  installerPayloadRef: string | undefined;
  /** Bind the persistent caches (`--store /store --rpmmd /rpmmd`, the converter's defaults). */
  caches: boolean;
}

/** bootc-image-builder's flags for one run (validated values only). */
export function converterFlags(f: ConverterFlags): string[] {
  const out = ['build', '--type', f.type, '--rootfs', f.rootfs, '--progress', 'verbose'];
  if (f.targetArch) out.push('--target-arch', f.targetArch);
  if (f.chown) out.push('--chown', f.chown);
  if (f.useLibrepo !== undefined) out.push(`--use-librepo=${f.useLibrepo}`);
  if (f.installerPayloadRef) out.push('--installer-payload-ref', f.installerPayloadRef);
  if (f.caches) out.push('--store', '/store', '--rpmmd', '/rpmmd');
  return out;
}
