// Shared helpers for bench/**/*.bench.ts: peak RSS, tool runner, tables.
export { peakRss, sampleRss } from './rss.js';
export { runTool, runTimed, runWorker, median, type RunResult } from './run.js';
export { markdownTable, parseSizes, formatSize, mbps, MiB, GiB } from './table.js';
export { watchMachineLoad } from './machine-load.js';
