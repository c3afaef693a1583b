/**
 * The read side that the pull-style adapters share (Deno's `conn.read()`, a
 * web stream's reader): one loop per socket that waits while the owner has
 * paused it, reads, delivers (in pieces, pieces.ts: a web stream's chunks may
 * be of any size), and at the end of the input tells the owner.
 *
 * @module
 */

import { WriteQueue } from "./write_queue.ts";
import { deliver, ended, type Paced, resumed } from "./pieces.ts";

/**
 * A socket whose bytes are pulled by a loop. An adapter supplies `read`,
 * `received` (what a read gave) and `release` (let go of the transport),
 * starts the loop with `pull()` once its owner is set, and gets the write
 * queue, pausing and closing from here.
 */
export abstract class PullSocket<R> extends WriteQueue implements Paced {
  paused = false;
  held: Uint8Array | undefined;
  heldEnd = false;
  #wake: (() => void) | undefined;

  /** Starts one read. */
  protected abstract read(): Promise<R>;

  /** How many bytes a read gave, in `chunk`; -1 at the end of the input. */
  protected abstract received(result: R): number;

  /** The bytes of the last read (its first `received` of them), valid until the next read. */
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
  }

  resume(): void {
    this.paused = false;
    this.#wake?.();
  }

  destroy(): void {
    this.close();
  }

  /** Closes now, once, telling the owner last. */
  close(error?: unknown): void {
    if (!this.stop()) return;
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
        if (this.paused) {
          await new Promise<void>((resolve) => this.#wake = resolve);
          this.#wake = undefined;
          continue;
        }
        // The rest of a read the owner paused in goes before the next read.
        if (this.held !== undefined) {
          resumed(this);
          continue;
        }
        const length = this.received(await this.read());
        if (length < 0) {
          ended(this);
          return;
        }
        if (!this.takesTurns) {
          deliver(this, this.chunk, length);
          continue;
        }
        // Answer the chunk, then wait until its replies are written, settling
        // the sends begun meanwhile here rather than each with a `.then`.
        this.claimed = true;
        deliver(this, this.chunk, length);
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
