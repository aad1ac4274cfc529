import { z } from 'zod';
import { API_VERSION, CORE_API_VERSION, CORE_VERSION, IMAGEBUILDER_VERSION } from '../wire/constants.js';
import { ANNOTATIONS_TOTAL_MAX, dns1123SubdomainProblems, labelValueProblems, qualifiedNameProblems } from './rules.js';

/** Adds one issue per broken rule, with the given problems function. */
export function ruleCheck(problems: (v: string) => string[]) {
  return (value: string, ctx: z.RefinementCtx): void => {
    for (const message of problems(value)) ctx.addIssue({ code: 'custom', message });
  };
}

/** RFC 3339 date-time as Flight Control writes it (`Z` or an offset; fractional seconds allowed). */
export const DateTimeSchema = z.iso.datetime({ offset: true, error: 'must be an RFC 3339 date-time' });

/** A resource name: DNS-1123 subdomain, ≤ 253 characters. */
export const ResourceNameSchema = z.string().superRefine(ruleCheck(dns1123SubdomainProblems));

const LabelsSchema = z.record(z.string(), z.string()).superRefine((labels, ctx) => {
  for (const [key, value] of Object.entries(labels)) {
    for (const message of qualifiedNameProblems(key))
      ctx.addIssue({ code: 'custom', message: `key ${message}`, path: [key] });
    for (const message of labelValueProblems(value)) ctx.addIssue({ code: 'custom', message, path: [key] });
  }
});

const AnnotationsSchema = z.record(z.string(), z.string()).superRefine((annotations, ctx) => {
  let total = 0;
  for (const [key, value] of Object.entries(annotations)) {
    total += key.length + value.length;
    for (const message of qualifiedNameProblems(key))
      ctx.addIssue({ code: 'custom', message: `key ${message}`, path: [key] });
  }
  if (total > ANNOTATIONS_TOTAL_MAX)
    ctx.addIssue({ code: 'custom', message: `total size must be no more than ${ANNOTATIONS_TOTAL_MAX} bytes` });
});

/** Core `ObjectMeta` (shared by every resource); `name` is required for the resources this SDK creates. */
export const ObjectMetaSchema = z.object({
  name: ResourceNameSchema,
  labels: LabelsSchema.optional(),
  annotations: AnnotationsSchema.optional(),
  generation: z.int().optional(),
  owner: z.string().optional(),
  resourceVersion: z.string().optional(),
  creationTimestamp: DateTimeSchema.optional(),
  deletionTimestamp: DateTimeSchema.optional(),
});
/** A resource's metadata: name, labels, annotations and the server-set fields. */
export type ObjectMeta = z.output<typeof ObjectMetaSchema>;

/** Core `ListMeta`. */
export const ListMetaSchema = z.object({
  continue: z.string().optional(),
  remainingItemCount: z.int().optional(),
});
/** A list's paging metadata: `continue` token and remaining item count. */
export type ListMeta = z.output<typeof ListMetaSchema>;

/** The values of a condition's `status`. */
export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;
/** A condition's `status`: `True`, `False` or `Unknown`. */
export type ConditionStatus = (typeof CONDITION_STATUSES)[number];

/** A resource condition (core `ConditionBase` plus `type`). Only `Ready` is used by these resources. */
export const ConditionSchema = z.object({
  type: z.string().min(1),
  status: z.enum(CONDITION_STATUSES),
  reason: z.string(),
  message: z.string(),
  lastTransitionTime: DateTimeSchema,
  observedGeneration: z.int().optional(),
});
/** A resource condition (see `ConditionSchema`). */
export type Condition = z.output<typeof ConditionSchema>;

/** The API's error body. Service errors leave `reason` and `status` empty (facts §1.2). */
export const StatusSchema = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  code: z.int(),
  message: z.string(),
  reason: z.string(),
  status: z.string(),
});
/** The API's error (and delete result) body (see `StatusSchema`). */
export type Status = z.output<typeof StatusSchema>;

/** `apiVersion` of the image builder resources: accepts both spellings, outputs `flightctl.io/v1alpha1`. */
export const ApiVersionSchema = z
  .enum([IMAGEBUILDER_VERSION, API_VERSION], { error: `must be one of ${IMAGEBUILDER_VERSION}, ${API_VERSION}` })
  .transform((): typeof API_VERSION => API_VERSION);

/** `apiVersion` of core resources (Repository): accepts both spellings, outputs `flightctl.io/v1beta1`. */
export const CoreApiVersionSchema = z
  .enum([CORE_VERSION, CORE_API_VERSION], { error: `must be one of ${CORE_VERSION}, ${CORE_API_VERSION}` })
  .transform((): typeof CORE_API_VERSION => CORE_API_VERSION);

/** `kind` fixed to one value (upstream accepts any string; we insist on the right one). */
export function kindSchema<K extends string>(kind: K) {
  return z.literal(kind, { error: `must be ${kind}` });
}
