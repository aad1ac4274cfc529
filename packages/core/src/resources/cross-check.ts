import type { ValidationIssue } from '../errors/index.js';
import type { ImageBuild } from './image-build.js';
import type { Repository } from './repository.js';
import { echo } from '../errors/index.js';

/** The Repositories a build may name: an array, or a map keyed by `metadata.name`. */
export type RepositoryLookup = readonly Repository[] | ReadonlyMap<string, Repository>;

/** Finds a Repository by name in an array or a map. */
export function findRepository(repositories: RepositoryLookup, name: string): Repository | undefined {
  if (Array.isArray(repositories)) return (repositories as readonly Repository[]).find((r) => r.metadata.name === name);
  return (repositories as ReadonlyMap<string, Repository>).get(name);
}

/**
 * Upstream's cross-resource rules for creating an ImageBuild: both repositories must exist and be OCI;
 * the destination must have (effective) access mode ReadWrite. Returns every problem (empty when fine).
 */
export function validateImageBuildAgainstRepositories(
  build: ImageBuild,
  repositories: RepositoryLookup,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const side of ['source', 'destination'] as const) {
    const name = build.spec[side].repository;
    const repo = findRepository(repositories, name);
    const path = `spec.${side}.repository`;
    if (!repo) {
      issues.push({ path, message: `Repository ${echo(name, 253)} not found` });
      continue;
    }
    const type = (repo.spec as { type: string }).type;
    if (type !== 'oci') {
      issues.push({
        path,
        message: `Repository ${echo(name, 253)} must be of type 'oci', got ${echo(type)}`,
      });
      continue;
    }
    const mode = repo.spec.accessMode ?? 'Read';
    if (side === 'destination' && mode !== 'ReadWrite') {
      issues.push({
        path,
        message: `Repository ${echo(name, 253)} must have 'ReadWrite' access mode, got ${echo(mode)}`,
      });
    }
  }
  return issues;
}
