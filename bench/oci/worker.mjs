// One measured transfer by our client (built dist, plain node: no loader in the RSS figure).
// argv: push|push-chunked|push-mono|download <registry> <repository> <file> [digest]
// Prints {ms, peakRss, digest}; the parent also runs it under GNU time (peak RSS, CPU).
import { readFileSync } from 'node:fs';
import { RegistryClient, downloadBlob } from '@imagebuild/oci';

const hwm = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;
const [mode, registry, repository, file, digest] = process.argv.slice(2);
const client = new RegistryClient({
  registry,
  scheme: 'http',
  ...(mode === 'push-chunked' ? { chunkSize: 64 * 1024 * 1024 } : {}),
});
const t0 = performance.now();
const result =
  mode === 'download'
    ? (await downloadBlob(client, { repository, digest, file }).done()).digest
    : (await client.uploadBlob(repository, { file }, mode === 'push-mono' ? { digest } : {})).digest;
const ms = performance.now() - t0;
await client.close();
console.log(JSON.stringify({ ms, peakRss: hwm(), digest: result }));
