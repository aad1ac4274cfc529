/** Keeps the last `size` lines (for error messages). */
export class LogTail {
  readonly #lines: string[] = [];
  readonly #size: number;

  constructor(size = 20) {
    this.#size = size;
  }

  add(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > this.#size) this.#lines.shift();
  }

  get lines(): readonly string[] {
    return [...this.#lines];
  }
}
