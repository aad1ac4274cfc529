import type { ConverterConfig } from './config.js';

/**
 * bootc-image-builder's `config.json`: `{"customizations": {user, kernel, filesystem, disk, installer, iso}}`
 * in its own field names. Validate first (`validateConverterRequest`). Holds passwords: a secret.
 */
export function converterConfigJson(config: ConverterConfig): string {
  const c: Record<string, unknown> = {};
  if (config.users?.length) {
    c['user'] = config.users.map((u) => ({
      name: u.name,
      ...(u.password === undefined ? {} : { password: u.password }),
      ...(u.key === undefined ? {} : { key: u.key.trim() }),
      ...(u.groups === undefined ? {} : { groups: [...u.groups] }),
    }));
  }
  if (config.kernelArgs?.length) c['kernel'] = { append: config.kernelArgs.join(' ') };
  if (config.filesystems?.length)
    c['filesystem'] = config.filesystems.map((f) => ({ mountpoint: f.mountpoint, minsize: f.minsize }));
  if (config.disk) c['disk'] = config.disk;
  const inst = config.installer;
  if (inst && (inst.kickstart !== undefined || inst.modules)) {
    c['installer'] = {
      ...(inst.kickstart === undefined ? {} : { kickstart: { contents: inst.kickstart } }),
      ...(inst.modules
        ? {
            modules: {
              ...(inst.modules.enable ? { enable: [...inst.modules.enable] } : {}),
              ...(inst.modules.disable ? { disable: [...inst.modules.disable] } : {}),
            },
          }
        : {}),
    };
  }
  if (config.iso) {
    const { volumeId, applicationId, publisher } = config.iso;
    c['iso'] = {
      ...(volumeId === undefined ? {} : { volume_id: volumeId }),
      ...(applicationId === undefined ? {} : { application_id: applicationId }),
      ...(publisher === undefined ? {} : { publisher }),
    };
  }
  return JSON.stringify({ customizations: c });
}

/** True when the config carries a user password (such runs are never reused: see docs/converter.md). */
export function converterConfigHasSecret(config: ConverterConfig | undefined): boolean {
  return (config?.users ?? []).some((u) => u.password !== undefined);
}
