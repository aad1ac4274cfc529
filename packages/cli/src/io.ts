import { readStdin } from './internal/documents.js';

/** Where a command writes (the process's streams, or buffers in tests). */
export interface Io {
  /** Writes to standard output. */
  out(text: string): void;
  /** Writes to standard error. */
  err(text: string): void;
  /** True when stdout is a terminal (live display, colours). */
  isTTY: boolean;
  /** The stdout stream, for live displays and its width; `undefined` when buffered. */
  stdout: NodeJS.WriteStream | undefined;
  /** Reads all of standard input (`-f -`). */
  stdin(): string;
}

/** The Io of the running process: its stdout, stderr and stdin. */
export function processIo(): Io {
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    isTTY: process.stdout.isTTY === true,
    stdout: process.stdout,
    stdin: readStdin,
  };
}

/** An Io collecting what is written (tests, golden output). */
export function bufferIo(stdinText = ''): Io & { stdoutText(): string; stderrText(): string } {
  let out = '';
  let err = '';
  return {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    isTTY: false,
    stdout: undefined,
    stdin: () => stdinText,
    stdoutText: () => out,
    stderrText: () => err,
  };
}
