import type * as UndiciModule from 'undici';

export type Undici = typeof UndiciModule;

let loading: Promise<Undici> | undefined;

/** undici, imported on first use: a process that only downloads blobs never pays for it (~15 MiB RSS). */
export function loadUndici(): Promise<Undici> {
  loading ??= import('undici');
  return loading;
}
