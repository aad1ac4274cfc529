import { describe, expect, it } from 'vitest';
import { parseOsRelease } from '../src/os-release.js';

describe('parseOsRelease', () => {
  it('unquotes single and double quotes, skips comments and malformed lines', () => {
    const os = parseOsRelease(
      '# comment\nNAME="CentOS Stream"\nVERSION_ID=\'9\'\nID=centos\nPRETTY_NAME="CentOS \\"Stream\\" 9"\nbad line\nlower=x\n',
    );
    expect(os).toMatchObject({ id: 'centos', versionId: '9', name: 'CentOS Stream', prettyName: 'CentOS "Stream" 9' });
    expect(Object.keys(os.fields)).toEqual(['NAME', 'VERSION_ID', 'ID', 'PRETTY_NAME']);
  });
});
