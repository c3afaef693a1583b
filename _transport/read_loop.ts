/**
 * The read side that the pull-style adapters share (Deno's `conn.read()`, a
 * web stream's reader): one loop per socket that reads and delivers
 * (turns.ts), and waits while the owner has paused it or has input held for
 * a turn; at the end of the input it tells the owner.
 *
 * @module
 */

import { WriteQueue } from "./write_queue.ts";
import { deliver, ended, type Paced, resumed, type Turns } from "./turns.ts";

/**
 * A socket whose bytes are pulled by a loop. An adapter supplies `read`,
 * `received` (what a read gave) and `release` (let go of the transport),
 * starts the loop with `pull()` once its owner is set, and gets the write
 * queue, pausing, turns and closing from here.
 */
export abstract class PullSocket<R> extends WriteQueue implements Paced {
  paused = false;
  held: Uint8Array | undefined;
  heldEnd = false;
  readonly turns: Turns;
  /** The loop may read: nothing is held and the owner has not paused. */
  #reading = true;
  #wake: (() => void) | undefined;

  /**
   * @param highWaterMark Bytes waiting before `write()` returns `false`.
   * @param turns Where the socket waits for its turns.
   */
  constructor(highWaterMark: number, turns: Turns) {
    super(highWaterMark);
    this.turns = turns;
  }

  /** Starts one read. */
  protected abstract read(): Promise<R>;

  /** How many bytes a read gave, in `chunk`; -1 at the end of the input. */
  protected abstract received(result: R): number;

  /**
   * The bytes of the last read (its first `received` of them), valid until
   * the next read. What the owner does not take is held as it is: the loop
   * reads no more until it has all been taken.
   */
  protected abstract get chunk(): Uint8Array;

  /** Lets go of the transport; called once, when the socket closes. */
  protected abstract release(): void;

  /**
   * Whether the loop reads on only once the replies to the last chunk are
   * written, so that a connection takes turns with the others instead of
   * racing ahead of its own writes.
   */
  protected get takesTurns(): boolean {
    return false;
  }

  pause(): void {
    this.paused = true;
    this.#reading = false;
  }

  resume(): void {
    this.paused = false;
    if (resumed(this)) this.readOn();
  }

  readOn(): void {
    this.#reading = true;
    this.#wake?.();
  }

  destroy(): void {
    this.close();
  }

  /** Closes now, once, telling the owner last. */
  close(error?: unknown): void {
    if (!this.stop()) return;
    this.held = undefined;
    this.release();
    this.#wake?.();
    this.handlers.close(error);
  }

  protected override fail(error: unknown): void {
    this.close(error);
  }

  protected finish(): void {
    this.close();
  }

  /** The loop: runs until the input ends or the socket closes. */
  protected async pull(): Promise<void> {
    try {
      while (!this.closed) {
        if (!this.#reading) {
          await new Promise<void>((resolve) => this.#wake = resolve);
          this.#wake = undefined;
          continue;
        }
        const length = this.received(await this.read());
        if (length < 0) {
          ended(this);
          return;
        }
        if (!this.takesTurns) {
          this.#reading = deliver(this, this.chunk, length, false);
          continue;
        }
        // Answer the chunk, then wait until its replies are written, settling
        // the sends begun meanwhile here rather than each with a `.then`.
        this.claimed = true;
        this.#reading = deliver(this, this.chunk, length, false);
        for (let sending; (sending = this.sending) !== undefined;) {
          const written = await sending;
          if (this.sending === sending) this.settle(written);
        }
        this.claimed = false;
      }
    } catch (error) {
      this.close(this.closed ? undefined : error);
    }
  }
}
