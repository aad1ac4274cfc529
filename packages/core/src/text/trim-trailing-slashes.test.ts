import { describe, expect, it } from 'vitest';
import { trimTrailingSlashes } from './trim-trailing-slashes.js';

describe('trimTrailingSlashes', () => {
  it('removes every trailing slash and nothing else', () => {
    expect(trimTrailingSlashes('https://h/a//')).toBe('https://h/a');
    expect(trimTrailingSlashes('/a/b')).toBe('/a/b');
    expect(trimTrailingSlashes('///')).toBe('');
    expect(trimTrailingSlashes('')).toBe('');
  });
  it('is linear on hostile input', () => {
    const hostile = `${'/'.repeat(200_000)}x/`;
    expect(trimTrailingSlashes(hostile)).toBe(`${'/'.repeat(200_000)}x`);
  });
});
