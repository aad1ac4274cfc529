import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { SbomError } from '@imagebuild/core/errors';
import { throwIfAborted } from '@imagebuild/core/operation';
import type { ImageFileEntry, ImageFileReader } from '@imagebuild/core/runner';

/**
 * An `ImageFileReader` over an unpacked root filesystem on disk (a mounted image, an extracted
 * layer tree): paths are resolved under `root`, symlinks are reported, not followed.
 */
export function directoryFiles(root: string): ImageFileReader {
  return {
    async read(path, { maxBytes, signal }) {
      if (!path.startsWith('/') || posix.normalize(path) !== path)
        throw new SbomError(`image path must be absolute and normalised: ${JSON.stringify(path)}`);
      const out: ImageFileEntry[] = [];
      let budget = maxBytes;
      const walk = async (rel: string): Promise<boolean> => {
        throwIfAborted(signal);
        const abs = join(root, rel);
        // a file that vanished while listing is not there
        const st = await lstat(abs).catch(() => undefined);
        if (!st) return false;
        if (st.isSymbolicLink()) out.push({ path: rel, type: 'symlink', linkTarget: await readlink(abs) });
        else if (st.isFile()) {
          budget -= st.size;
          if (budget < 0) throw new SbomError(`reading ${path} from ${root}: more than ${maxBytes} bytes`);
          out.push({ path: rel, type: 'file', data: await readFile(abs) });
        } else if (st.isDirectory()) {
          out.push({ path: rel, type: 'directory' });
          for (const name of (await readdir(abs)).sort()) await walk(posix.join(rel, name));
        } else out.push({ path: rel, type: 'other' });
        return true;
      };
      return (await walk(path)) ? out : undefined;
    },
  };
}
