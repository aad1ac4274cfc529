// One measured transfer by our client, in its own process so that peak RSS is its own.
// argv: push|push-mono|download <registry> <repository> <file> [digest]
import { RegistryClient, downloadBlob } from '@imagebuild/oci';
import { sampleRss } from '../lib/index.js';

const [mode, registry, repository, file, digest] = process.argv.slice(2);
if (!mode || !registry || !repository || !file) throw new Error('usage: worker.ts push|push-mono|download <registry> <repository> <file> [digest]');
const client = new RegistryClient({ registry, scheme: 'http' });
const rss = sampleRss();
const t0 = performance.now();
let result: string;
if (mode === 'download') {
  if (!digest) throw new Error('download needs a digest');
  result = (await downloadBlob(client, { repository, digest, file }).done()).digest;
} else {
  result = (await client.uploadBlob(repository, { file }, mode === 'push-mono' ? { digest } : {})).digest;
}
const ms = performance.now() - t0;
await client.close();
console.log(JSON.stringify({ ms, peakRss: rss.stop(), digest: result }));
