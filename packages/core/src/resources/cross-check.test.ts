import { describe, expect, it } from 'vitest';
import { parseImageBuild, parseRepository } from '../parse/parse-resource.js';
import { buildDoc, repoDoc } from '../../test/fixtures.js';
import { validateImageBuildAgainstRepositories } from './cross-check.js';

const build = parseImageBuild(buildDoc());

describe('validateImageBuildAgainstRepositories', () => {
  it('accepts a ReadWrite destination and any source mode', () => {
    const repos = [
      parseRepository(repoDoc('src-repo')),
      parseRepository(repoDoc('dst-repo', { accessMode: 'ReadWrite' })),
    ];
    expect(validateImageBuildAgainstRepositories(build, repos)).toEqual([]);
    expect(validateImageBuildAgainstRepositories(build, new Map(repos.map((r) => [r.metadata.name, r])))).toEqual([]);
  });
  it('refuses a destination without ReadWrite (omitted means Read)', () => {
    const repos = [parseRepository(repoDoc('src-repo')), parseRepository(repoDoc('dst-repo'))];
    expect(validateImageBuildAgainstRepositories(build, repos)).toEqual([
      {
        path: 'spec.destination.repository',
        message: `Repository "dst-repo" must have 'ReadWrite' access mode, got "Read"`,
      },
    ]);
  });
  it('reports every missing repository', () => {
    expect(validateImageBuildAgainstRepositories(build, [])).toEqual([
      { path: 'spec.source.repository', message: 'Repository "src-repo" not found' },
      { path: 'spec.destination.repository', message: 'Repository "dst-repo" not found' },
    ]);
  });
  it('refuses a non-OCI repository given as a raw object', () => {
    const git = { ...parseRepository(repoDoc('src-repo')), spec: { type: 'git' } } as never;
    const dst = parseRepository(repoDoc('dst-repo', { accessMode: 'ReadWrite' }));
    expect(validateImageBuildAgainstRepositories(build, [git, dst])).toEqual([
      { path: 'spec.source.repository', message: `Repository "src-repo" must be of type 'oci', got "git"` },
    ]);
  });
});
