import { describe, expect, it } from 'vitest';
import { podmanCertsDir } from './podman-dialect.js';

describe('podmanCertsDir', () => {
  it("root writes the system directory; any other user the rootless podman's own", () => {
    expect(podmanCertsDir(0, '/root')).toBe('/etc/containers/certs.d');
    expect(podmanCertsDir(1000, '/home/ann')).toBe('/home/ann/.config/containers/certs.d');
  });
});
