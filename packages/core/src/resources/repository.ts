import { z } from 'zod';
import {
  ConditionSchema,
  CoreApiVersionSchema,
  ListMetaSchema,
  ObjectMetaSchema,
  kindSchema,
  ruleCheck,
} from './meta.js';
import { ImageNameSchema, ImageTagSchema } from './image-build.js';
import { hasControlCharacters, isBase64Text, registryProblems } from './rules.js';

/** `ociAuth`: only docker (username/password) credentials exist upstream. The password is never echoed. */
export const OciAuthSchema = z.discriminatedUnion(
  'authType',
  [
    z.strictObject({
      authType: z.literal('docker'),
      username: z
        .string()
        .min(1, 'is required')
        .max(256, 'must be no more than 256 characters')
        // Upstream refuses NUL, CR and LF before `podman login`; no control character belongs in a user name.
        .refine((v) => !hasControlCharacters(v), 'must not contain control characters (NUL, CR, LF, …)'),
      password: z.string().min(1, 'is required').max(8192, 'must be no more than 8192 characters'),
    }),
  ],
  { error: "authType must be 'docker'" },
);
/** A repository's registry credentials (see `OciAuthSchema`). */
export type OciAuth = z.output<typeof OciAuthSchema>;

/** One entry of `spec.baseImages`: an image name, its tags (at least one, no duplicates), an optional display name. */
export const BaseImageEntrySchema = z.object({
  displayName: z.string().optional(),
  imageName: ImageNameSchema,
  tags: z
    .array(ImageTagSchema)
    .min(1, 'must list at least one tag')
    .superRefine((tags, ctx) => {
      const seen = new Set<string>();
      tags.forEach((tag, j) => {
        if (seen.has(tag)) ctx.addIssue({ code: 'custom', message: 'duplicate tag', path: [j] });
        seen.add(tag);
      });
    }),
});
/** One entry of a repository's `baseImages` (see `BaseImageEntrySchema`). */
export type BaseImageEntry = z.output<typeof BaseImageEntrySchema>;

/** Core v1beta1 `OciRepoSpec` (closed). `scheme` defaults to https, `accessMode` to Read. */
export const OciRepoSpecSchema = z.strictObject({
  type: z.literal('oci', { error: "only 'oci' repositories are supported" }),
  registry: z.string().superRefine(ruleCheck(registryProblems)),
  scheme: z.enum(['http', 'https'], { error: 'must be one of http, https' }).default('https'),
  accessMode: z.enum(['Read', 'ReadWrite'], { error: 'must be one of Read, ReadWrite' }).default('Read'),
  ociAuth: OciAuthSchema.optional(),
  'ca.crt': z
    .string()
    .refine((v) => isBase64Text(v), 'must be base64-encoded PEM')
    .optional(),
  skipServerVerification: z.boolean().optional(),
  baseImages: z
    .array(BaseImageEntrySchema)
    .superRefine((entries, ctx) => {
      const seen = new Set<string>();
      entries.forEach((entry, i) => {
        if (seen.has(entry.imageName)) {
          ctx.addIssue({ code: 'custom', message: 'duplicate imageName', path: [i, 'imageName'] });
        }
        seen.add(entry.imageName);
      });
    })
    .optional(),
});
/** An OCI repository's spec as parsed (defaults applied). */
export type OciRepoSpec = z.output<typeof OciRepoSpecSchema>;
/** A Repository's spec: only OCI repositories are supported. */
export type RepositorySpec = OciRepoSpec;

/** `status` of a Repository: its conditions. */
export const RepositoryStatusSchema = z.object({ conditions: z.array(ConditionSchema).optional() });

/** A core Repository document (OCI only). */
export const RepositorySchema = z.object({
  apiVersion: CoreApiVersionSchema,
  kind: kindSchema('Repository'),
  metadata: ObjectMetaSchema,
  spec: OciRepoSpecSchema,
  status: RepositoryStatusSchema.optional(),
});
/** An OCI Repository as parsed (defaults applied, apiVersion `flightctl.io/v1beta1`). */
export type Repository = z.output<typeof RepositorySchema>;
/** What `parseRepository` accepts (`scheme` and `accessMode` may be left out). */
export type RepositoryInput = z.input<typeof RepositorySchema>;

/** A `RepositoryList` (one page of repositories). */
export const RepositoryListSchema = z.object({
  apiVersion: CoreApiVersionSchema,
  kind: kindSchema('RepositoryList'),
  metadata: ListMetaSchema,
  items: z.array(RepositorySchema),
});
/** One page of repositories as parsed. */
export type RepositoryList = z.output<typeof RepositoryListSchema>;
