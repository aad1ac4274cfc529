import { ValidationError } from '@imagebuild/core';

/** Options of `devicePolicy`. */
export interface DevicePolicyOptions {
  /**
   * The scope the policy and attachments apply to: `registry[/repository]`, e.g.
   * `quay.example.com/fleet/os` (containers-policy.json(5) `docker` transport scopes).
   */
  scope: string;
  /** Where the public key PEM will be on the device, e.g. `/etc/pki/containers/fleet.pub`. */
  keyPath: string;
}

/** The files `devicePolicy` writes for a device, as text. */
export interface DevicePolicy {
  /** `/etc/containers/policy.json`: reject by default; `sigstoreSigned` with the key for `scope`. */
  policyJson: string;
  /** A `/etc/containers/registries.d/<name>.yaml` fragment: `use-sigstore-attachments: true` for `scope`. */
  registriesD: string;
}

const SCOPE = /^[a-z0-9.-]+(:[0-9]{1,5})?(\/[a-z0-9._/-]+)?$/;
const PATH = /^\/[\w./-]+$/;

/**
 * The device side of image signing: a containers-policy.json(5) that accepts images in `scope`
 * only when signed by the key at `keyPath` (everything else is rejected, the local storage and
 * docker-daemon transports stay usable), and the registries.d fragment that makes
 * containers/image (podman, skopeo, bootc) read the `sha256-<hex>.sig` attachments.
 */
export function devicePolicy(options: DevicePolicyOptions): DevicePolicy {
  const issues: { path: string; message: string }[] = [];
  if (!SCOPE.test(options.scope)) issues.push({ path: 'scope', message: 'must be registry[:port][/repository]' });
  if (!PATH.test(options.keyPath)) issues.push({ path: 'keyPath', message: 'must be an absolute path' });
  if (issues.length) throw new ValidationError(issues, { subject: 'device policy options' });
  const policy = {
    default: [{ type: 'reject' }],
    transports: {
      docker: {
        [options.scope]: [
          { type: 'sigstoreSigned', keyPath: options.keyPath, signedIdentity: { type: 'matchRepository' } },
        ],
      },
      'containers-storage': { '': [{ type: 'insecureAcceptAnything' }] },
      'docker-daemon': { '': [{ type: 'insecureAcceptAnything' }] },
    },
  };
  return {
    policyJson: `${JSON.stringify(policy, null, 2)}\n`,
    registriesD: `docker:\n  ${JSON.stringify(options.scope)}:\n    use-sigstore-attachments: true\n`,
  };
}
