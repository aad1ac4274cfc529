/**
 * The converter container's command. The script is a constant: every value reaches it as a
 * positional argument, never spliced into text. It pulls exactly the built digest into the
 * container's private storage, tags it with the destination tag and converts the tag, so the disk
 * records the tag as its bootc target (what a device's `bootc status` and agent report) while its
 * content is the built digest. Credentials are not arguments: podman reads them from
 * `/run/containers/0/auth.json` (bind-mounted read-only from a private tmpfs directory). The
 * container removes itself on exit (AutoRemove), so its exit status and a copy of its output are
 * left in the output directory.
 */
export const CONVERTER_SCRIPT = [
  'pinned="$1"; target="$2"; tlsverify="$3"; shift 3',
  'convert() {',
  '  podman pull -q --tls-verify="$tlsverify" "$pinned" >/dev/null || return',
  '  podman tag "$pinned" "$target" || return',
  '  bootc-image-builder "$@" "$target"',
  '}',
  '{ convert "$@"; echo "$?" > /output/.imagebuild-exit-code; } 2>&1 | tee /output/.imagebuild-log',
  'exit "$(cat /output/.imagebuild-exit-code 2>/dev/null || echo 1)"',
].join('\n');

/** Where the script leaves the converter's exit status and output, relative to the output directory. */
export const EXIT_CODE_FILE = '.imagebuild-exit-code';
export const LOG_FILE = '.imagebuild-log';

export interface ConverterArgs {
  /** `registry/repository@sha256:…`: what is pulled (exactly the built platform manifest). */
  pinned: string;
  /** `registry/repository:tag`: what is converted and recorded as the bootc target. */
  target: string;
  tlsVerify: boolean;
  /** bootc-image-builder flags (before the image reference). */
  flags: readonly string[];
}

/** `Entrypoint` + `Cmd` for the converter container. */
export function converterCommand(args: ConverterArgs): { entrypoint: string[]; cmd: string[] } {
  return {
    entrypoint: ['/bin/sh', '-c'],
    cmd: [CONVERTER_SCRIPT, 'convert', args.pinned, args.target, String(args.tlsVerify), ...args.flags],
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
