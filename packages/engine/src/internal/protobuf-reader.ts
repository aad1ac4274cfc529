/**
 * A minimal protobuf wire-format reader: enough to walk messages field by field (varint, 64-bit,
 * length-delimited, 32-bit). Unknown fields are skipped by the caller; malformed input throws.
 */

/** One field of a message: its number, wire type and value (`bigint` varint, bytes, or fixed). */
export type ProtoField =
  | { no: number; wire: 0; value: bigint }
  | { no: number; wire: 1 | 5; value: Uint8Array }
  | { no: number; wire: 2; value: Uint8Array };

export class ProtoFormatError extends Error {}

function varint(buf: Uint8Array, pos: number): [value: bigint, next: number] {
  let result = 0n;
  let shift = 0n;
  for (let i = pos; i < buf.length && shift < 70n; i++) {
    const b = buf[i]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, i + 1];
    shift += 7n;
  }
  throw new ProtoFormatError(`truncated varint at ${pos}`);
}

/** Iterates over the fields of one encoded message. */
export function* protoFields(buf: Uint8Array): Generator<ProtoField> {
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = varint(buf, pos);
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    pos = afterKey;
    if (wire === 0) {
      const [value, next] = varint(buf, pos);
      pos = next;
      yield { no, wire, value };
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (pos + n > buf.length) throw new ProtoFormatError(`truncated fixed field ${no}`);
      yield { no, wire, value: buf.subarray(pos, pos + n) };
      pos += n;
    } else if (wire === 2) {
      const [len, next] = varint(buf, pos);
      const end = next + Number(len);
      if (end > buf.length) throw new ProtoFormatError(`truncated field ${no} (${len} bytes)`);
      yield { no, wire, value: buf.subarray(next, end) };
      pos = end;
    } else {
      throw new ProtoFormatError(`unsupported wire type ${wire} (field ${no})`);
    }
  }
}

const utf8 = new TextDecoder();

/** A length-delimited field as UTF-8 text ('' for another wire type). */
export function protoString(f: ProtoField): string {
  return f.wire === 2 ? utf8.decode(f.value) : '';
}

/** A varint field as a number (0 for another wire type). */
export function protoNumber(f: ProtoField): number {
  return f.wire === 0 ? Number(BigInt.asIntN(64, f.value)) : 0;
}
