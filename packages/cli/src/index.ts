// @imagebuild/cli — the `imagebuild` command, also callable in-process.
export { run, createProgram, VERSION, type CommandContext } from './program.js';
export { EXIT, CliError, describeError, type ExitCode } from './exit.js';
export { processIo, bufferIo, type Io } from './io.js';
export { formatResources, OUTPUT_FORMATS, type OutputFormat } from './output/format.js';
export { humanAge } from './output/age.js';
