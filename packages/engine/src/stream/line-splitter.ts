/**
 * Turns text fragments (`stream` fields, log chunks) into whole lines: buffers a partial last line,
 * drops `\r`, strips ANSI escapes. `flush()` returns a trailing partial line.
 */
export class LineSplitter {
  #partial = '';

  /** The lines `text` completes; a partial last line waits for the next fragment. */
  push(text: string): string[] {
    const all = this.#partial + text;
    const parts = all.split('\n');
    this.#partial = parts.pop() ?? '';
    return parts.map(clean);
  }

  /** The partial last line, if any (at end of stream). */
  flush(): string[] {
    const rest = this.#partial;
    this.#partial = '';
    return rest === '' ? [] : [clean(rest)];
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matches ANSI escape sequences on purpose
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

function clean(line: string): string {
  const noCr = line.endsWith('\r') ? line.slice(0, -1) : line;
  const lastCr = noCr.lastIndexOf('\r');
  return (lastCr >= 0 ? noCr.slice(lastCr + 1) : noCr).replace(ANSI, '');
}
