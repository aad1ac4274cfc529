/**
 * Headers of a build request whose body is the context tar, the same on both engines: the tar
 * content type and, when the source registry needs credentials, the pre-encoded X-Registry-Config.
 */
export function buildContextHeaders(registryConfig: string | undefined): Record<string, string> {
  return {
    'Content-Type': 'application/x-tar',
    ...(registryConfig ? { 'X-Registry-Config': registryConfig } : {}),
  };
}
