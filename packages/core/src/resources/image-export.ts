import { z } from 'zod';
import {
  ApiVersionSchema,
  ConditionSchema,
  DateTimeSchema,
  ListMetaSchema,
  ObjectMetaSchema,
  kindSchema,
} from './meta.js';
import { ExportFormatSchema } from './export-format.js';

/** `spec.source`: the only variant upstream has is `{type: imageBuild, imageBuildRef}`. */
export const ImageExportSourceSchema = z.discriminatedUnion(
  'type',
  [z.object({ type: z.literal('imageBuild'), imageBuildRef: z.string().min(1, 'is required') })],
  { error: "type must be 'imageBuild'" },
);
/** What an export converts: `{type: 'imageBuild', imageBuildRef}`. */
export type ImageExportSource = z.output<typeof ImageExportSourceSchema>;

/** `spec` of an ImageExport: the source build and the format. No other fields. */
export const ImageExportSpecSchema = z.strictObject({
  source: ImageExportSourceSchema,
  format: ExportFormatSchema,
});
/** What an export makes (see `ImageExportSpecSchema`). */
export type ImageExportSpec = z.output<typeof ImageExportSpecSchema>;

/** Every Ready reason (lifecycle state) of an ImageExport; the transitions are in `@imagebuild/core/lifecycle`. */
export const IMAGE_EXPORT_REASONS = [
  'Pending',
  'Converting',
  'Pushing',
  'Completed',
  'Failed',
  'Canceling',
  'Canceled',
] as const;
/** An ImageExport's lifecycle state. */
export type ImageExportReason = (typeof IMAGE_EXPORT_REASONS)[number];

/** `status` of an ImageExport: conditions, the pushed artifact's manifest digest, `lastSeen`. */
export const ImageExportStatusSchema = z.object({
  conditions: z.array(ConditionSchema).optional(),
  manifestDigest: z.string().optional(),
  lastSeen: DateTimeSchema.optional(),
});
/** An ImageExport's status (see `ImageExportStatusSchema`). */
export type ImageExportStatus = z.output<typeof ImageExportStatusSchema>;

/** An ImageExport document. No unknown fields. */
export const ImageExportSchema = z.strictObject({
  apiVersion: ApiVersionSchema,
  kind: kindSchema('ImageExport'),
  metadata: ObjectMetaSchema,
  spec: ImageExportSpecSchema,
  status: ImageExportStatusSchema.optional(),
});
/** An ImageExport as parsed (apiVersion normalised to `flightctl.io/v1alpha1`). */
export type ImageExport = z.output<typeof ImageExportSchema>;
/** What `parseImageExport` accepts. */
export type ImageExportInput = z.input<typeof ImageExportSchema>;

/** An `ImageExportList` (one page of exports). */
export const ImageExportListSchema = z.object({
  apiVersion: ApiVersionSchema,
  kind: kindSchema('ImageExportList'),
  metadata: ListMetaSchema,
  items: z.array(ImageExportSchema),
});
/** One page of exports as parsed. */
export type ImageExportList = z.output<typeof ImageExportListSchema>;
