import { SbomError } from '@imagebuild/core/errors';

/** The header tags an SBOM component needs (rpm's lib/rpmtag.h). */
export const RpmTag = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  VENDOR: 1011,
  LICENSE: 1014,
  ARCH: 1022,
  SOURCERPM: 1044,
} as const;

const TYPE_INT32 = 4;
const TYPE_STRING = 6;
const TYPE_STRING_ARRAY = 8;
const TYPE_I18NSTRING = 9;

/** rpm's own limits on a header (hdrchkTags / headerMaxbytes): larger counts are corrupt. */
const MAX_TAGS = 0xffff;
const MAX_DATA = 256 * 1024 * 1024;

/** One installed package as its RPM header records it; absent tags are undefined. */
export interface RpmPackage {
  /** `NAME`. */
  name: string;
  /** `EPOCH`. */
  epoch: number | undefined;
  /** `VERSION`. */
  version: string;
  /** `RELEASE`. */
  release: string;
  /** `ARCH`, e.g. `x86_64`, `noarch`. */
  arch: string | undefined;
  /** `LICENSE`: an SPDX expression or a legacy Fedora name. */
  license: string | undefined;
  /** `VENDOR`. */
  vendor: string | undefined;
  /** `SOURCERPM`, the source package's file name. */
  sourceRpm: string | undefined;
}

const WANTED = new Set<number>(Object.values(RpmTag));

/**
 * Parses an RPM header blob as the rpmdb stores it (`headerExport`: index count, data length, 16-byte
 * index entries, data store; all big-endian) and returns the tags above. One pass over the index,
 * every offset checked against the data store, so a corrupt blob fails instead of reading past it.
 */
export function parseRpmHeader(blob: Uint8Array, where: string): RpmPackage {
  const bad = (why: string): SbomError => new SbomError(`${where}: corrupt RPM header: ${why}`);
  if (blob.length < 8) throw bad('shorter than 8 bytes');
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const il = view.getUint32(0);
  const dl = view.getUint32(4);
  if (il < 1 || il > MAX_TAGS) throw bad(`${il} index entries`);
  if (dl > MAX_DATA) throw bad(`${dl} bytes of data`);
  const dataStart = 8 + il * 16;
  if (dataStart + dl > blob.length) throw bad(`needs ${dataStart + dl} bytes, has ${blob.length}`);
  const data = blob.subarray(dataStart, dataStart + dl);
  const values = new Map<number, string | number>();
  for (let i = 0; i < il; i++) {
    const at = 8 + i * 16;
    const tag = view.getInt32(at);
    if (!WANTED.has(tag) || values.has(tag)) continue;
    const type = view.getUint32(at + 4);
    const offset = view.getInt32(at + 8);
    const count = view.getUint32(at + 12);
    if (offset < 0 || offset >= dl || count < 1) throw bad(`tag ${tag} points outside the data`);
    if (type === TYPE_INT32) {
      if (offset % 4 !== 0 || offset + 4 > dl) throw bad(`tag ${tag} is not an aligned int32`);
      values.set(tag, view.getUint32(dataStart + offset));
    } else if (type === TYPE_STRING || type === TYPE_STRING_ARRAY || type === TYPE_I18NSTRING) {
      // The first string (an i18n table's first entry is the C locale's, what rpm -q prints).
      const end = data.indexOf(0, offset);
      if (end < 0) throw bad(`string of tag ${tag} has no terminator`);
      values.set(tag, Buffer.from(data.buffer, data.byteOffset + offset, end - offset).toString('utf8'));
    } else throw bad(`tag ${tag} has type ${type}`);
  }
  const str = (tag: number): string | undefined => {
    const v = values.get(tag);
    return typeof v === 'string' ? v : undefined;
  };
  const name = str(RpmTag.NAME);
  const version = str(RpmTag.VERSION);
  const release = str(RpmTag.RELEASE);
  if (!name || version === undefined || release === undefined) throw bad('no name, version or release');
  const epoch = values.get(RpmTag.EPOCH);
  return {
    name,
    epoch: typeof epoch === 'number' ? epoch : undefined,
    version,
    release,
    arch: str(RpmTag.ARCH),
    license: str(RpmTag.LICENSE),
    vendor: str(RpmTag.VENDOR),
    sourceRpm: str(RpmTag.SOURCERPM),
  };
}
