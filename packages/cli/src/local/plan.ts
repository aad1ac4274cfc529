import {
  API_VERSION,
  parseResource,
  type ExportFormat,
  type ImageBuild,
  type ImageExport,
  type Repository,
} from '@imagebuild/core';
import { KINDS, downloadExtension, isExportFormat } from '@imagebuild/core/resources';
import { documentProblems, type SourcedDocument } from '../internal/documents.js';
import { usage } from '../exit.js';

/** What a local `build` will create, validated before anything runs. */
export interface BuildPlan {
  repositories: Repository[];
  builds: ImageBuild[];
  exports: ImageExport[];
}

/** Sorts the documents by kind and adds one ImageExport per build and `--export` format. */
export function planBuild(docs: readonly SourcedDocument[], formats: readonly string[]): BuildPlan {
  const problems = documentProblems(docs);
  const plan: BuildPlan = { repositories: [], builds: [], exports: [] };
  for (const d of docs) {
    if (!d.ok) continue;
    const r = d.resource;
    if (r.kind === 'Repository') plan.repositories.push(r);
    else if (r.kind === 'ImageBuild') plan.builds.push(r);
    else if (r.kind === 'ImageExport') plan.exports.push(r);
    else problems.push(`${d.source} document ${d.index + 1}: kind: ${r.kind} is not supported here (give the items)`);
  }
  if (problems.length > 0) throw usage(`the input is invalid:\n  ${problems.join('\n  ')}`, 'fix the fields above');
  if (plan.builds.length === 0) throw usage('the input has no ImageBuild', 'give the build with -f build.yaml');
  for (const f of formats)
    if (!isExportFormat(f))
      throw usage(`--export ${f}: unknown format`, 'use qcow2, vmdk, iso, raw, ami, qcow2-disk-container, …');
  const buildNames = new Set(plan.builds.map((b) => b.metadata.name));
  for (const build of plan.builds)
    for (const format of new Set(formats)) {
      const res = parseResource({
        apiVersion: API_VERSION,
        kind: KINDS.ImageExport,
        metadata: { name: `${build.metadata.name}-${format}` },
        spec: { source: { type: 'imageBuild', imageBuildRef: build.metadata.name }, format },
      });
      if (!res.ok) throw res.error;
      const exp = res.resource as ImageExport;
      if (!plan.exports.some((e) => e.metadata.name === exp.metadata.name)) plan.exports.push(exp);
    }
  const seen = new Set<string>();
  for (const r of [...plan.builds, ...plan.exports]) {
    const key = `${r.kind}/${r.metadata.name}`;
    if (seen.has(key)) throw usage(`${key} appears twice in the input`);
    seen.add(key);
  }
  for (const e of plan.exports)
    if (!buildNames.has(e.spec.source.imageBuildRef))
      throw usage(
        `ImageExport ${e.metadata.name}: spec.source.imageBuildRef: ImageBuild "${e.spec.source.imageBuildRef}" is not in the input`,
        'give the build in the same command',
      );
  return plan;
}

/** Where an export's file lands in `--download DIR` (upstream's name: `<ImageBuild name><extension>`). */
export function downloadFileName(e: ImageExport): string {
  return `${e.spec.source.imageBuildRef}${downloadExtension(e.spec.format as ExportFormat)}`;
}
