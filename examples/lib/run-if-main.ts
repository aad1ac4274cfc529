import { pathToFileURL } from 'node:url';

/** Runs an example's `main()` when the file is executed directly (not when a test imports it). */
export function runIfMain(moduleUrl: string, main: () => Promise<unknown>): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
