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
export type ImageExportSource = z.output<typeof ImageExportSourceSchema>;

export const ImageExportSpecSchema = z.strictObject({
  source: ImageExportSourceSchema,
  format: ExportFormatSchema,
});
export type ImageExportSpec = z.output<typeof ImageExportSpecSchema>;

export const IMAGE_EXPORT_REASONS = [
  'Pending',
  'Converting',
  'Pushing',
  'Completed',
  'Failed',
  'Canceling',
  'Canceled',
] as const;
export type ImageExportReason = (typeof IMAGE_EXPORT_REASONS)[number];

export const ImageExportStatusSchema = z.object({
  conditions: z.array(ConditionSchema).optional(),
  manifestDigest: z.string().optional(),
  lastSeen: DateTimeSchema.optional(),
});
export type ImageExportStatus = z.output<typeof ImageExportStatusSchema>;

export const ImageExportSchema = z.strictObject({
  apiVersion: ApiVersionSchema,
  kind: kindSchema('ImageExport'),
  metadata: ObjectMetaSchema,
  spec: ImageExportSpecSchema,
  status: ImageExportStatusSchema.optional(),
});
export type ImageExport = z.output<typeof ImageExportSchema>;
export type ImageExportInput = z.input<typeof ImageExportSchema>;

export const ImageExportListSchema = z.object({
  apiVersion: ApiVersionSchema,
  kind: kindSchema('ImageExportList'),
  metadata: ListMetaSchema,
  items: z.array(ImageExportSchema),
});
export type ImageExportList = z.output<typeof ImageExportListSchema>;
