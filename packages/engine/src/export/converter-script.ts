/**
 * The converter container's command. The script is a constant: every value (image reference,
 * type, rootfs, target arch, TLS flag) reaches it as a positional argument, never spliced into
 * text. Credentials are not arguments: podman reads them from `/run/containers/0/auth.json`
 * (bind-mounted read-only from a private tmpfs directory).
 */
export const CONVERTER_SCRIPT = [
  'set -eu',
  'ref="$1"; type="$2"; rootfs="$3"; arch="$4"; tlsverify="$5"',
  'podman pull -q --tls-verify="$tlsverify" "$ref" >/dev/null',
  'set -- build --type "$type" --rootfs "$rootfs" --progress verbose',
  'if [ -n "$arch" ]; then set -- "$@" --target-arch "$arch"; fi',
  'exec bootc-image-builder "$@" "$ref"',
].join('\n');

export interface ConverterArgs {
  reference: string;
  type: string;
  rootfs: string;
  targetArch: string | undefined;
  tlsVerify: boolean;
}

/** `Entrypoint` + `Cmd` for the converter container. */
export function converterCommand(args: ConverterArgs): { entrypoint: string[]; cmd: string[] } {
  return {
    entrypoint: ['/bin/sh', '-c'],
    cmd: [
      CONVERTER_SCRIPT,
      'convert',
      args.reference,
      args.type,
      args.rootfs,
      args.targetArch ?? '',
      String(args.tlsVerify),
    ],
  };
}
