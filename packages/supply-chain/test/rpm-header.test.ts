import { describe, expect, it } from 'vitest';
import { SbomError } from '@imagebuild/core/errors';
import { parseRpmHeader } from '../src/rpm/rpm-header.js';
import { encodeHeader, packageHeader } from './header-encoder.js';

describe('parseRpmHeader', () => {
  it('reads every tag an SBOM needs, absent ones undefined', () => {
    const blob = packageHeader({
      name: 'bash',
      epoch: 0,
      version: '5.1.8',
      release: '9.el9',
      arch: 'x86_64',
      license: 'GPL-3.0-or-later',
      vendor: 'CentOS',
      sourceRpm: 'bash-5.1.8-9.el9.src.rpm',
    });
    expect(parseRpmHeader(blob, 'db')).toEqual({
      name: 'bash',
      epoch: 0,
      version: '5.1.8',
      release: '9.el9',
      arch: 'x86_64',
      license: 'GPL-3.0-or-later',
      vendor: 'CentOS',
      sourceRpm: 'bash-5.1.8-9.el9.src.rpm',
    });
    expect(parseRpmHeader(packageHeader({ name: 'gpg-pubkey', version: 'abc', release: '1' }), 'db')).toEqual({
      name: 'gpg-pubkey',
      epoch: undefined,
      version: 'abc',
      release: '1',
      arch: undefined,
      license: undefined,
      vendor: undefined,
      sourceRpm: undefined,
    });
  });

  it('takes the first string of an i18n table and skips tags it does not need', () => {
    const blob = encodeHeader([
      { tag: 1004, type: 'i18n', value: ['summary', 'Zusammenfassung'] },
      { tag: 1000, type: 'string', value: 'x' },
      { tag: 1001, type: 'string', value: '1' },
      { tag: 1002, type: 'string', value: '2' },
      { tag: 1014, type: 'i18n', value: ['MIT', 'ignored'] },
    ]);
    expect(parseRpmHeader(blob, 'db')).toMatchObject({ name: 'x', license: 'MIT' });
  });

  it('rejects corrupt blobs with the place named, never reading past the data', () => {
    const good = packageHeader({ name: 'a', version: '1', release: '1', epoch: 3 });
    const cases: Array<[string, Buffer]> = [
      ['short', Buffer.alloc(4)],
      ['truncated', good.subarray(0, good.length - 3)],
      ['too many tags', Buffer.from([0, 1, 0, 0, 0, 0, 0, 0])],
      ['no name', encodeHeader([{ tag: 1001, type: 'string', value: '1' }])],
    ];
    const unterminated = packageHeader({ name: 'a', version: '1', release: '1' });
    unterminated[unterminated.length - 1] = 0x41; // the last string loses its NUL
    cases.push(['unterminated', unterminated]);
    const outside = Buffer.from(good);
    outside.writeInt32BE(1 << 20, 8 + 8); // first entry's offset
    cases.push(['offset outside', outside]);
    for (const [label, blob] of cases) {
      expect(() => parseRpmHeader(blob, `Packages #${label}`), label).toThrow(SbomError);
      expect(() => parseRpmHeader(blob, `Packages #${label}`), label).toThrow(`Packages #${label}: corrupt RPM header`);
    }
  });
});
