import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ValidationError } from '@imagebuild/core';
import { DigestMismatchError, RegistryError } from '@imagebuild/core/errors';
import { throwIfAborted } from '@imagebuild/core/operation';
import { downloadExtension } from '@imagebuild/core/resources';
import { RegistryClient, isImageManifestMediaType, optionsFromRepository, type ImageManifest } from '@imagebuild/oci';
import type { BuilderContext } from './context.js';
import { resolveExportSource } from './export-source.js';
import type { OpenExportOptions, ArtifactReadOptions, ExportArtifact } from '../export-artifact-types.js';
// Public shapes, defined in the public module; re-exported for the internal modules importing them here.
export type { OpenExportOptions, ArtifactReadOptions, ExportArtifact };

/** Looks up a Completed export's artifact manifest and returns a handle that streams its file. */
export async function openExportArtifact(
  ctx: BuilderContext,
  exportName: string,
  options: OpenExportOptions = {},
): Promise<ExportArtifact> {
  const src = await resolveExportSource(ctx, exportName);
  const client = new RegistryClient(optionsFromRepository(src.repo));
  try {
    const fetched = await client.getManifest(src.imageName, src.manifestDigest, { signal: options.signal });
    const manifest = fetched.manifest as ImageManifest;
    const layer = Array.isArray(manifest.layers) ? manifest.layers[0] : undefined;
    if (
      !isImageManifestMediaType(fetched.descriptor.mediaType) ||
      !layer ||
      typeof layer.digest !== 'string' ||
      !(layer.size >= 0)
    ) {
      throw new RegistryError(
        client.registry,
        `artifact GET ${src.imageName}@${src.manifestDigest}`,
        'manifest is not an artifact image manifest with a layer',
      );
    }
    const streams = new Set<Readable>();
    return {
      filename: `${src.buildName}${downloadExtension(src.format)}`,
      size: layer.size,
      digest: layer.digest,
      mediaType: layer.mediaType,
      manifestDigest: src.manifestDigest,
      async open(read: ArtifactReadOptions = {}): Promise<Readable> {
        const offset = read.offset ?? 0;
        const length = read.length ?? layer.size - offset;
        if (!Number.isInteger(offset) || offset < 0 || offset > layer.size) {
          throw new ValidationError([{ path: 'offset', message: `must be an integer from 0 to ${layer.size}` }]);
        }
        if (!Number.isInteger(length) || length < 0 || offset + length > layer.size) {
          throw new ValidationError([
            { path: 'length', message: `must be an integer with offset + length ≤ ${layer.size}` },
          ]);
        }
        throwIfAborted(read.signal);
        const operation = `blob GET ${src.imageName}@${layer.digest}`;
        const blob =
          length === 0 ? undefined : await client.getBlob(src.imageName, layer.digest, { offset, signal: read.signal });
        const chunks = blob
          ? slice(blob.body, {
              skip: offset - blob.offset,
              length,
              verify: blob.offset === 0 && length === layer.size,
              digest: layer.digest,
              registry: client.registry,
              operation,
            })
          : empty();
        const stream = Readable.from(chunks, { objectMode: false, highWaterMark: 1024 * 1024 });
        streams.add(stream);
        stream.once('close', () => streams.delete(stream));
        return stream;
      },
      async close(): Promise<void> {
        for (const s of streams) s.destroy();
        await client.close();
      },
    };
  } catch (err) {
    await client.close();
    throw err;
  }
}

async function* empty(): AsyncGenerator<Buffer> {}

interface SliceOptions {
  /** Bytes to drop first (when the registry sent more than asked for). */
  skip: number;
  length: number;
  /** The body is the whole file: hash it and hold the last chunk back until it checks out. */
  verify: boolean;
  digest: string;
  registry: string;
  operation: string;
}

/** The body's bytes `[skip, skip + length)`; stops (and so aborts the request) once they are through. */
async function* slice(body: AsyncIterable<Buffer>, o: SliceOptions): AsyncGenerator<Buffer> {
  const hash = o.verify ? createHash(o.digest.split(':')[0] === 'sha512' ? 'sha512' : 'sha256') : undefined;
  let skip = o.skip;
  let left = o.length;
  let held: Buffer | undefined;
  for await (const raw of body) {
    let chunk = raw;
    if (skip > 0) {
      const n = Math.min(skip, chunk.length);
      skip -= n;
      chunk = chunk.subarray(n);
    }
    if (chunk.length === 0) continue;
    if (hash && chunk.length > left)
      throw new RegistryError(o.registry, o.operation, `the registry sent more than the ${o.length} bytes of the blob`);
    if (chunk.length > left) chunk = chunk.subarray(0, left);
    left -= chunk.length;
    if (hash) {
      hash.update(chunk);
      if (held) yield held;
      held = chunk;
    } else {
      yield chunk;
    }
    if (left === 0 && !hash) return; // the asked-for range is through: returning ends (and aborts) the request
  }
  if (left > 0) throw new RegistryError(o.registry, o.operation, `the blob ended ${left} bytes early`);
  if (hash) {
    const actual = `${o.digest.split(':')[0]}:${hash.digest('hex')}`;
    if (actual !== o.digest) throw new DigestMismatchError(o.digest, actual);
    if (held) yield held;
  }
}
