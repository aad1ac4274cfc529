import { ValidationError, type ConverterConfig } from '@imagebuild/core';

/** bootc-image-builder's config.json (`customizations.user|kernel|filesystem`). */
export function converterConfigJson(config: ConverterConfig): string {
  const issues: { path: string; message: string }[] = [];
  (config.users ?? []).forEach((u, i) => {
    if (!/^[a-z_][a-z0-9_-]*\$?$/i.test(u.name) || u.name.length > 32)
      issues.push({ path: `converterConfig.users[${i}].name`, message: 'must be a valid user name' });
    if (u.key !== undefined && /[\r\n]/.test(u.key.trim()))
      issues.push({ path: `converterConfig.users[${i}].key`, message: 'must be one line' });
  });
  (config.filesystems ?? []).forEach((f, i) => {
    if (!f.mountpoint.startsWith('/'))
      issues.push({ path: `converterConfig.filesystems[${i}].mountpoint`, message: 'must be an absolute path' });
    if (!/^\d+(\.\d+)?\s*([KMGT]i?B|B)?$/i.test(f.minsize.trim()))
      issues.push({ path: `converterConfig.filesystems[${i}].minsize`, message: 'must be a size like "10 GiB"' });
  });
  if (issues.length > 0) throw new ValidationError(issues, { subject: 'converter config' });
  const customizations: Record<string, unknown> = {};
  if (config.users?.length) {
    customizations['user'] = config.users.map((u) => ({
      name: u.name,
      ...(u.password === undefined ? {} : { password: u.password }),
      ...(u.key === undefined ? {} : { key: u.key.trim() }),
      ...(u.groups === undefined ? {} : { groups: [...u.groups] }),
    }));
  }
  if (config.kernelArgs?.length) customizations['kernel'] = { append: config.kernelArgs.join(' ') };
  if (config.filesystems?.length)
    customizations['filesystem'] = config.filesystems.map((f) => ({ mountpoint: f.mountpoint, minsize: f.minsize }));
  return JSON.stringify({ customizations });
}
