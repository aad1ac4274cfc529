/** Compile-time (checked by tsc): core's parsed resources can be passed to the client; results are typed. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type {
  ImageBuild as CoreImageBuild,
  ImageExport as CoreImageExport,
  Repository as CoreRepository,
} from '@imagebuild/core';
import type { ImageBuild, ImageBuilderClient, ImageExport, RepositoryCreate } from '@imagebuild/client';

// Assignability: these functions compile only if core's types fit the client's request bodies.
const asBuild = (b: CoreImageBuild): ImageBuild => b;
const asExport = (e: CoreImageExport): ImageExport => e;
const asRepository = (r: CoreRepository): RepositoryCreate => r;

describe('client types', () => {
  it('accept core resources as request bodies', () => {
    expect([asBuild, asExport, asRepository]).toHaveLength(3);
  });
  it('type every operation', () => {
    expectTypeOf<ImageBuilderClient['imageBuilds']['create']>().returns.resolves.toEqualTypeOf<ImageBuild>();
    expectTypeOf<ImageBuilderClient['imageBuilds']['followLogs']>().returns.toEqualTypeOf<AsyncIterable<string>>();
    expectTypeOf<ImageBuilderClient['imageExports']['cancel']>().returns.resolves.toEqualTypeOf<ImageExport>();
  });
});
