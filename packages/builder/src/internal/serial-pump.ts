/**
 * Runs a job queue's placement pass one at a time (the scheduler's and the claim loop's): a call
 * during a pass asks for one more pass after it, and no pass starts while a hold (the start-up
 * sweep) is pending or once closed.
 */
export class SerialPump {
  #pumping = false;
  #again = false;
  #hold: Promise<void> | undefined;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly closed: () => boolean,
  ) {}

  /** Starts no pass until `work` settles (then pumps). */
  holdUntil(work: Promise<unknown>): void {
    const hold = work.then(
      () => undefined,
      () => undefined,
    );
    this.#hold = hold;
    void hold.then(() => {
      if (this.#hold === hold) this.#hold = undefined;
      this.pump();
    });
  }

  pump(): void {
    if (this.closed() || this.#hold) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    void this.pass().finally(() => {
      this.#pumping = false;
      if (this.#again) {
        this.#again = false;
        this.pump();
      }
    });
  }
}
