/** Test helper: encodes an RPM header blob (headerExport layout) from tags, as rpm stores it in the rpmdb. */
export type TagValue = { tag: number; type: 'string' | 'i18n' | 'int32' | 'array'; value: string | number | string[] };

export function encodeHeader(tags: readonly TagValue[]): Buffer {
  const index: Buffer[] = [];
  const data: Buffer[] = [];
  let size = 0;
  for (const t of tags) {
    let bytes: Buffer;
    let type: number;
    let count = 1;
    if (t.type === 'int32') {
      const pad = (4 - (size % 4)) % 4;
      if (pad) {
        data.push(Buffer.alloc(pad));
        size += pad;
      }
      bytes = Buffer.alloc(4);
      bytes.writeUInt32BE(t.value as number);
      type = 4;
    } else {
      const list = Array.isArray(t.value) ? t.value : [String(t.value)];
      bytes = Buffer.concat(list.map((s) => Buffer.from(`${s}\0`)));
      type = t.type === 'string' ? 6 : t.type === 'i18n' ? 9 : 8;
      count = list.length;
    }
    const e = Buffer.alloc(16);
    e.writeInt32BE(t.tag, 0);
    e.writeUInt32BE(type, 4);
    e.writeInt32BE(size, 8);
    e.writeUInt32BE(count, 12);
    index.push(e);
    data.push(bytes);
    size += bytes.length;
  }
  const head = Buffer.alloc(8);
  head.writeUInt32BE(tags.length, 0);
  head.writeUInt32BE(size, 4);
  return Buffer.concat([head, ...index, ...data]);
}

export interface PackageSpec {
  name: string;
  epoch?: number;
  version: string;
  release: string;
  arch?: string;
  license?: string;
  vendor?: string;
  sourceRpm?: string;
}

export function packageHeader(p: PackageSpec): Buffer {
  const tags: TagValue[] = [
    { tag: 1000, type: 'string', value: p.name },
    { tag: 1001, type: 'string', value: p.version },
    { tag: 1002, type: 'string', value: p.release },
  ];
  if (p.epoch !== undefined) tags.push({ tag: 1003, type: 'int32', value: p.epoch });
  if (p.vendor !== undefined) tags.push({ tag: 1011, type: 'string', value: p.vendor });
  if (p.license !== undefined) tags.push({ tag: 1014, type: 'string', value: p.license });
  if (p.arch !== undefined) tags.push({ tag: 1022, type: 'string', value: p.arch });
  if (p.sourceRpm !== undefined) tags.push({ tag: 1044, type: 'string', value: p.sourceRpm });
  return encodeHeader(tags);
}
