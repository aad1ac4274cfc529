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
export const ImageBuildSourceSchema = ImageLocationSchema;
export const ImageBuildDestinationSchema = ImageLocationSchema;
export type ImageBuildSource = z.output<typeof ImageBuildSourceSchema>;
export type ImageBuildDestination = z.output<typeof ImageBuildDestinationSchema>;

export const BINDING_TYPES = ['early', 'late'] as const;
export type BindingType = (typeof BINDING_TYPES)[number];

/** `binding`: `{type: early}` (enrollment config baked in) or `{type: late}` (ignition/cloud-init at first boot). */
export const ImageBuildBindingSchema = z.discriminatedUnion(
  'type',
  [z.object({ type: z.literal('early') }), z.object({ type: z.literal('late') })],
  { error: 'type must be one of early, late' },
);
export type ImageBuildBinding = z.output<typeof ImageBuildBindingSchema>;

export const ImageBuildUserConfigurationSchema = z.object({
  username: z.string().superRefine(ruleCheck(usernameProblems)),
  publickey: z.string().superRefine(ruleCheck(publickeyProblems)),
});
export type ImageBuildUserConfiguration = z.output<typeof ImageBuildUserConfigurationSchema>;

export const ImageBuildSpecSchema = z.strictObject({
  source: ImageBuildSourceSchema,
  destination: ImageBuildDestinationSchema,
  binding: ImageBuildBindingSchema,
  userConfiguration: ImageBuildUserConfigurationSchema.optional(),
  onboarding: z.boolean().optional(),
});
export type ImageBuildSpec = z.output<typeof ImageBuildSpecSchema>;

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
export type ImageBuildReason = (typeof IMAGE_BUILD_REASONS)[number];

export const ImageBuildStatusSchema = z.object({
  conditions: z.array(ConditionSchema).optional(),
  imageReference: z.string().optional(),
  architecture: z.string().optional(),
  manifestDigest: z.string().optional(),
  lastSeen: DateTimeSchema.optional(),
});
export type ImageBuildStatus = z.output<typeof ImageBuildStatusSchema>;

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

export const ImageBuildListSchema = z.object({
  apiVersion: ApiVersionSchema,
  kind: kindSchema('ImageBuildList'),
  metadata: ListMetaSchema,
  items: z.array(ImageBuildSchema),
});
export type ImageBuildList = z.output<typeof ImageBuildListSchema>;

/** Body of `POST /imagebuilds/{name}/newversion`. */
export const ImageBuildNewVersionRequestSchema = z.strictObject({
  name: z.string().min(1, 'is required').max(253, 'must be no more than 253 characters'),
  sourceImageTag: ImageTagSchema.optional(),
  destinationImageTag: ImageTagSchema.optional(),
});
export type ImageBuildNewVersionRequest = z.output<typeof ImageBuildNewVersionRequestSchema>;
