import type { Readable } from 'node:stream';
import { ValidationError, type ValidationIssue } from '../errors/index.js';
import type { ImageBuild } from '../resources/image-build.js';
import {
  findRepository,
  validateImageBuildAgainstRepositories,
  type RepositoryLookup,
} from '../resources/cross-check.js';
import { imageReferenceFor } from '../refs/image-ref.js';
import { publickeyProblems, usernameProblems } from '../resources/rules.js';
import {
  CONTEXT_AGENT_CONFIG,
  CONTEXT_PUBLICKEY,
  CONTEXT_RPM_DIR,
  buildArgNames,
  renderContainerfile,
  type ContainerfileFeatures,
} from './containerfile.js';
import { deterministicTar, type ContextFile } from './deterministic-tar.js';
import {
  parseEnrollmentConfig,
  renderAgentConfig,
  validateEnrollmentConfig,
  type EnrollmentConfig,
} from './enrollment-config.js';

/** Upstream's default agent package repository. */
export const DEFAULT_RPM_REPO_URL = 'https://rpm.flightctl.io/flightctl-epel.repo';

/** Where the flightctl-agent package comes from. */
export type AgentPackageSource =
  /** Add a `.repo` file URL with `dnf config-manager --add-repo` (upstream's way; default URL above). */
  | { readonly type: 'repoUrl'; readonly url?: string | undefined; readonly enableRepo?: string | undefined }
  /** A repository the source image already has (optionally enabling a disabled one by id). */
  | { readonly type: 'enabledRepo'; readonly enableRepo?: string | undefined }
  /** RPM files carried in the build context and installed with dnf (agent, and onboarding if wanted). */
  | { readonly type: 'localRpms'; readonly files: readonly { readonly name: string; readonly content: Uint8Array }[] };

/** dnf settings of every `dnf install` in the Containerfile (passed as build arguments). */
export interface DnfOptions {
  /** `--setopt=timeout` seconds (upstream default 5). */
  readonly timeout?: number | undefined;
  /** `--setopt=retries` (upstream default 0). */
  readonly retries?: number | undefined;
  /** `--setopt=skip_if_unavailable` (upstream default true). */
  readonly skipUnavailable?: boolean | undefined;
}

/** Options of `createBuildContext`: enrollment, agent packages, dnf and VMware tools. */
export interface BuildContextOptions {
  /** Early binding: the enrollment configuration, as an object or an agent `config.yaml` text. */
  readonly enrollment?: EnrollmentConfig | string | undefined;
  /** Default: `{ type: 'repoUrl', url: DEFAULT_RPM_REPO_URL }`. */
  readonly agentPackages?: AgentPackageSource | undefined;
  /** dnf timeout, retries and skip-unavailable; upstream's defaults when unset. */
  readonly dnf?: DnfOptions | undefined;
  /** Install open-vm-tools and enable vmtoolsd, as upstream always does. Default true. */
  readonly vmTools?: boolean | undefined;
}

/** Name of the Containerfile inside the context (pass it as the engine's `dockerfile` parameter). */
export const CONTAINERFILE_NAME = 'Containerfile';

/** Everything a runner needs to build the image. */
export interface BuildContext {
  /** The Containerfile's text (also in `files`). */
  readonly containerfile: string;
  /** Path of the Containerfile inside `tar()` (always `Containerfile`; dockerd defaults to `Dockerfile`). */
  readonly containerfilePath: typeof CONTAINERFILE_NAME;
  /** Values for the Containerfile's `ARG`s: the only channel for user-supplied values besides `files`. */
  readonly buildArgs: Readonly<Record<string, string>>;
  /** The context files (Containerfile included), sorted by path. */
  readonly files: readonly ContextFile[];
  /** A fresh deterministic tar stream of `files` on every call. */
  tar(): Readable;
  /** `registry/imageName:tag` to build FROM. */
  readonly sourceImage: string;
  /** `registry/imageName:tag` to tag and push. */
  readonly destinationImage: string;
  /** The structural choices the Containerfile was rendered from. */
  readonly features: ContainerfileFeatures;
}

const RPM_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*\.rpm$/;
const REPO_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const HTTP_URL = /^(https?|file):\/\/[^\s]+$/;

function optionIssues(opts: BuildContextOptions, source: AgentPackageSource): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (source.type === 'repoUrl' && source.url !== undefined && !HTTP_URL.test(source.url)) {
    issues.push({ path: 'options.agentPackages.url', message: 'must be an http(s) or file URL without whitespace' });
  }
  if (source.type !== 'localRpms' && source.enableRepo !== undefined && !REPO_ID.test(source.enableRepo)) {
    issues.push({ path: 'options.agentPackages.enableRepo', message: `must match ${REPO_ID.source}` });
  }
  if (source.type === 'localRpms') {
    if (source.files.length === 0)
      issues.push({ path: 'options.agentPackages.files', message: 'must list at least one RPM' });
    const seen = new Set<string>();
    source.files.forEach((f, i) => {
      if (!RPM_NAME.test(f.name))
        issues.push({ path: `options.agentPackages.files[${i}].name`, message: `must match ${RPM_NAME.source}` });
      if (seen.has(f.name)) issues.push({ path: `options.agentPackages.files[${i}].name`, message: 'must be unique' });
      seen.add(f.name);
    });
  }
  const dnf = opts.dnf ?? {};
  for (const k of ['timeout', 'retries'] as const) {
    const v = dnf[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= 86400)) {
      issues.push({ path: `options.dnf.${k}`, message: 'must be an integer from 0 to 86400' });
    }
  }
  return issues;
}

function resolveEnrollment(e: EnrollmentConfig | string): EnrollmentConfig {
  return typeof e === 'string' ? parseEnrollmentConfig(e) : validateEnrollmentConfig(e, 'options.enrollment');
}

/**
 * Produces the Containerfile and build context for an ImageBuild. The build must already be parsed
 * (`parseImageBuild`); its repositories are checked with upstream's cross-resource rules. Throws
 * `ValidationError` listing every problem.
 */
export function createBuildContext(
  build: ImageBuild,
  repositories: RepositoryLookup,
  options: BuildContextOptions = {},
): BuildContext {
  const source: AgentPackageSource = options.agentPackages ?? { type: 'repoUrl' };
  const issues = [...validateImageBuildAgainstRepositories(build, repositories), ...optionIssues(options, source)];
  const user = build.spec.userConfiguration;
  if (user) {
    // Defense in depth: the values reach a shell as quoted variables, but re-check the rules anyway.
    for (const m of usernameProblems(user.username))
      issues.push({ path: 'spec.userConfiguration.username', message: m });
    for (const m of publickeyProblems(user.publickey))
      issues.push({ path: 'spec.userConfiguration.publickey', message: m });
  }
  const early = build.spec.binding.type === 'early';
  if (early && options.enrollment === undefined) {
    issues.push({ path: 'options.enrollment', message: 'is required for early binding' });
  }
  if (issues.length > 0)
    throw new ValidationError(issues, { subject: `build context for ImageBuild "${build.metadata.name}"` });

  const files: ContextFile[] = [];
  const enc = (s: string): Uint8Array => Buffer.from(s, 'utf8');
  if (early)
    files.push({
      path: CONTEXT_AGENT_CONFIG,
      mode: 0o600,
      content: enc(renderAgentConfig(resolveEnrollment(options.enrollment!))),
    });
  if (user)
    files.push({
      path: CONTEXT_PUBLICKEY,
      mode: 0o644,
      content: enc(`${user.publickey.replace(/\r?\n$/, '').trim()}\n`),
    });
  if (source.type === 'localRpms') {
    for (const f of source.files) files.push({ path: `${CONTEXT_RPM_DIR}/${f.name}`, mode: 0o644, content: f.content });
  }

  const features: ContainerfileFeatures = {
    binding: build.spec.binding.type,
    packageSource: source.type,
    enableRepo: source.type !== 'localRpms' && source.enableRepo !== undefined,
    userConfiguration: user !== undefined,
    onboarding: build.spec.onboarding === true,
    vmTools: options.vmTools ?? true,
  };
  const containerfile = renderContainerfile(features);
  files.push({ path: CONTAINERFILE_NAME, mode: 0o644, content: enc(containerfile) });
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const sourceRepo = findRepository(repositories, build.spec.source.repository)!;
  const destRepo = findRepository(repositories, build.spec.destination.repository)!;
  const sourceImage = imageReferenceFor(sourceRepo, build.spec.source.imageName, build.spec.source.imageTag);
  const destinationImage = imageReferenceFor(
    destRepo,
    build.spec.destination.imageName,
    build.spec.destination.imageTag,
  );

  const dnf = options.dnf ?? {};
  const values: Record<string, string> = {
    SOURCE_IMAGE: sourceImage,
    DNF_TIMEOUT: String(dnf.timeout ?? 5),
    DNF_RETRIES: String(dnf.retries ?? 0),
    DNF_SKIP_UNAVAILABLE: String(dnf.skipUnavailable ?? true),
  };
  if (source.type === 'repoUrl') values['RPM_REPO_URL'] = source.url ?? DEFAULT_RPM_REPO_URL;
  if (source.type !== 'localRpms' && source.enableRepo !== undefined) values['RPM_REPO_ENABLE'] = source.enableRepo;
  if (user) values['USERNAME'] = user.username;
  const buildArgs: Record<string, string> = {};
  for (const name of buildArgNames(features)) buildArgs[name] = values[name]!;

  const frozen = Object.freeze(files.map((f) => Object.freeze(f)));
  return {
    containerfile,
    containerfilePath: CONTAINERFILE_NAME,
    buildArgs: Object.freeze(buildArgs),
    files: frozen,
    tar: () => deterministicTar(frozen),
    sourceImage,
    destinationImage,
    features,
  };
}
