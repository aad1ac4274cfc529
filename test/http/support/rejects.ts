import { expect } from 'vitest';
import { ApiError } from '@imagebuild/core/errors';

/** Awaits a call that must fail with the SDK's `ApiError`, and returns that error for further checks. */
export async function rejectsWithApiError(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}
