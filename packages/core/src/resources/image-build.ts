import { z } from 'zod';
import {
  ApiVersionSchema,
  ConditionSchema,
  DateTimeSchema,
  ListMetaSchema,
  ObjectMetaSchema,
  kindSchema,
  ruleCheck,
} from './meta.js';
import { ImageExportSchema } from './image-export.js';
import {
  IMAGE_NAME,
  IMAGE_NAME_MAX,
  dns1123SubdomainProblems,
  IMAGE_TAG,
  IMAGE_TAG_MAX,
  publickeyProblems,
  usernameProblems,
} from './rules.js';

/** `imageName`: an OCI repository path (no registry host, no tag), ≤ 255. */
export const ImageNameSchema = z
  .string()
  .min(1, 'is required')
  .max(IMAGE_NAME_MAX, `must be no more than ${IMAGE_NAME_MAX} characters`)
  .regex(
    IMAGE_NAME,
    'must be an OCI repository path: lowercase components separated by /, with ., _, __ or - between alphanumerics (no registry host, no tag)',
  );

/** `imageTag`: `^[\w][\w.-]{0,127}$`. */
export const ImageTagSchema = z
  .string()
  .min(1, 'is required')
  .max(IMAGE_TAG_MAX, `must be no more than ${IMAGE_TAG_MAX} characters`)
  .regex(IMAGE_TAG, `must match ${IMAGE_TAG.source}`);

const ImageLocationSchema = z.object({
  // A Repository's name: the resource-name rule bounds it (≤ 253) before it can reach a not-found message.
  repository: z.string().superRefine(ruleCheck((v) => (v === '' ? ['is required'] : dns1123SubdomainProblems(v)))),
  imageName: ImageNameSchema,
  imageTag: ImageTagSchema,
});
/** `spec.source`: the image to build from, as a Repository name, `imageName` and `imageTag`. */
export const ImageBuildSourceSchema = ImageLocationSchema;
/** `spec.destination`: where the built image is pushed, as a Repository name, `imageName` and `imageTag`. */
export const ImageBuildDestinationSchema = ImageLocationSchema;
/** The image a build starts from (see `ImageBuildSourceSchema`). */
export type ImageBuildSource = z.output<typeof ImageBuildSourceSchema>;
/** Where a build pushes its image (see `ImageBuildDestinationSchema`). */
export type ImageBuildDestination = z.output<typeof ImageBuildDestinationSchema>;

/** The agent binding types: `early` (enrollment config baked in) and `late` (enrolled at first boot). */
export const BINDING_TYPES = ['early', 'late'] as const;
/** `early` or `late`. */
export type BindingType = (typeof BINDING_TYPES)[number];

/** `binding`: `{type: early}` (enrollment config baked in) or `{type: late}` (ignition/cloud-init at first boot). */
export const ImageBuildBindingSchema = z.discriminatedUnion(
  'type',
  [z.object({ type: z.literal('early') }), z.object({ type: z.literal('late') })],
  { error: 'type must be one of early, late' },
);
/** A build's agent binding (see `ImageBuildBindingSchema`). */
export type ImageBuildBinding = z.output<typeof ImageBuildBindingSchema>;

/** `spec.userConfiguration`: a user to add, with passwordless sudo and this SSH public key. */
export const ImageBuildUserConfigurationSchema = z.object({
  username: z.string().superRefine(ruleCheck(usernameProblems)),
  publickey: z.string().superRefine(ruleCheck(publickeyProblems)),
});
/** The user a build adds to the image (see `ImageBuildUserConfigurationSchema`). */
export type ImageBuildUserConfiguration = z.output<typeof ImageBuildUserConfigurationSchema>;

/** `spec` of an ImageBuild: source, destination, binding, optional user and onboarding. No other fields. */
export const ImageBuildSpecSchema = z.strictObject({
  source: ImageBuildSourceSchema,
  destination: ImageBuildDestinationSchema,
  binding: ImageBuildBindingSchema,
  userConfiguration: ImageBuildUserConfigurationSchema.optional(),
  onboarding: z.boolean().optional(),
});
/** What an image build makes (see `ImageBuildSpecSchema`). */
export type ImageBuildSpec = z.output<typeof ImageBuildSpecSchema>;

/** Every Ready reason (lifecycle state) of an ImageBuild; the transitions are in `@imagebuild/core/lifecycle`. */
export const IMAGE_BUILD_REASONS = [
  'Pending',
  'Building',
  'Pushing',
  'GeneratingSBOM',
  'Completed',
  'Failed',
  'Canceling',
  'Canceled',
] as const;
/** An ImageBuild's lifecycle state. */
export type ImageBuildReason = (typeof IMAGE_BUILD_REASONS)[number];

/** `status` of an ImageBuild: conditions, the pushed image's reference, architecture and digest, `lastSeen`. */
export const ImageBuildStatusSchema = z.object({
  conditions: z.array(ConditionSchema).optional(),
  imageReference: z.string().optional(),
  architecture: z.string().optional(),
  manifestDigest: z.string().optional(),
  lastSeen: DateTimeSchema.optional(),
});
/** An ImageBuild's status (see `ImageBuildStatusSchema`). */
export type ImageBuildStatus = z.output<typeof ImageBuildStatusSchema>;

/** An ImageBuild document; `imageexports` holds its exports when read or listed with `withExports`. No unknown fields. */
export const ImageBuildSchema = z.strictObject({
  apiVersion: ApiVersionSchema,
  kind: kindSchema('ImageBuild'),
  metadata: ObjectMetaSchema,
  spec: ImageBuildSpecSchema,
  status: ImageBuildStatusSchema.optional(),
  imageexports: z.array(ImageExportSchema).optional(),
});
/** An ImageBuild as parsed (apiVersion normalised to `flightctl.io/v1alpha1`). */
export type ImageBuild = z.output<typeof ImageBuildSchema>;
/** What `parseImageBuild` accepts. */
export type ImageBuildInput = z.input<typeof ImageBuildSchema>;

/** An `ImageBuildList` (one page of builds). */
export const ImageBuildListSchema = z.object({
  apiVersion: ApiVersionSchema,
  kind: kindSchema('ImageBuildList'),
  metadata: ListMetaSchema,
  items: z.array(ImageBuildSchema),
});
/** One page of builds as parsed. */
export type ImageBuildList = z.output<typeof ImageBuildListSchema>;

/** Body of `POST /imagebuilds/{name}/newversion`. */
export const ImageBuildNewVersionRequestSchema = z.strictObject({
  name: z.string().min(1, 'is required').max(253, 'must be no more than 253 characters'),
  sourceImageTag: ImageTagSchema.optional(),
  destinationImageTag: ImageTagSchema.optional(),
});
/** A parsed newversion request: the new build's name and optional tag overrides. */
export type ImageBuildNewVersionRequest = z.output<typeof ImageBuildNewVersionRequestSchema>;
