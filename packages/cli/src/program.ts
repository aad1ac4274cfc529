import { Command, CommanderError } from 'commander';
import { registerApply } from './commands/apply.js';
import { registerBuild } from './commands/build.js';
import { registerCompletion } from './commands/completion.js';
import { registerDelete } from './commands/delete.js';
import { registerDownload } from './commands/download.js';
import { registerGet } from './commands/get.js';
import { registerLogin } from './commands/login.js';
import { registerLogs } from './commands/logs.js';
import { registerMisc } from './commands/misc.js';
import { registerServe } from './commands/serve.js';
import { complete } from './internal/complete.js';
import { EXIT, describeError } from './exit.js';
import { processIo, type Io } from './io.js';

/** The CLI's version, as `imagebuild --version` prints it. */
export const VERSION = '0.1.0';

/** What a command's action gets: the output streams and a place to put its exit status. */
export interface CommandContext {
  /** Where the command writes. */
  io: Io;
  /** The exit status `run` returns; an action sets it (e.g. to `EXIT.FAILED`). */
  exitCode: number;
}

const EPILOG = `
Exit status: 0 success, 1 a job failed or was canceled, 2 bad input or configuration,
3 a server or engine cannot be reached, 130 interrupted.`;

/** The whole command tree (exported for help and completion tests). */
export function createProgram(ctx: CommandContext): Command {
  const program = new Command('imagebuild')
    .description(
      'Build bootc OS images with the Flight Control agent and export them to disk images: against a\n' +
        'Flight Control server, against `imagebuild serve`, or on this machine alone (`build`).',
    )
    .version(VERSION, '--version', 'print the version')
    .option('--config-dir <dir>', 'client configuration directory (default ~/.config/imagebuild)')
    .option('-c, --context <name>', 'the login context to use (default: the current one)')
    .option('--org <id>', 'organization id sent as org_id (overrides the context)')
    .option('--request-timeout <duration>', 'time allowed for each request to answer, e.g. 30s')
    .option('--debug', 'print stack traces of errors')
    .addHelpText('after', EPILOG)
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: (s) => ctx.io.err(s) })
    .exitOverride();
  registerBuild(program, ctx);
  registerServe(program, ctx);
  registerLogin(program, ctx);
  registerApply(program, ctx);
  registerGet(program, ctx);
  registerDelete(program, ctx);
  registerMisc(program, ctx);
  registerLogs(program, ctx);
  registerDownload(program, ctx);
  registerCompletion(program, ctx);
  // Fixed width off a terminal, so help and golden files do not depend on the caller's window.
  const helpWidth = ctx.io.isTTY ? (ctx.io.stdout?.columns ?? 100) : 100;
  program.configureHelp({ helpWidth });
  for (const cmd of program.commands) {
    cmd.summary(cmd.description().split('\n')[0] ?? '');
    cmd.configureHelp({ helpWidth, showGlobalOptions: true });
    cmd.configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: (s) => ctx.io.err(s) }).exitOverride();
  }
  return program;
}

/** Runs the command line (without `node` and the script) and resolves to the exit status. */
export async function run(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const ctx: CommandContext = { io, exitCode: EXIT.OK };
  const program = createProgram(ctx);
  if (argv[0] === '__complete') {
    // Shell completion asks here; errors must not print anything (it would land in the prompt).
    for (const c of await complete(program, argv.slice(1))) io.out(`${c}\n`);
    return EXIT.OK;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
        return EXIT.OK;
      return EXIT.USAGE; // commander printed the problem already
    }
    const d = describeError(err);
    io.err(`error: ${d.message}\n`);
    if (d.hint) io.err(`  fix: ${d.hint}\n`);
    if (program.opts().debug === true && err instanceof Error && err.stack) io.err(`${err.stack}\n`);
    return d.exitCode;
  }
}
