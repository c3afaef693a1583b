/**
 * The write side that the adapters without a buffer of their own share
 * (Deno, Bun, web streams): bytes wait here while the transport is busy and
 * count against a high-water mark; `write()` returns `false` from the moment
 * they reach it until they have all gone out, and then the owner is told
 * `drain`, once. `end()` closes only after the last byte is out. A reply
 * written while nothing is in flight goes out as text where the transport
 * takes text (Bun), or from a small buffer of the socket's own where its
 * send only borrows the bytes (Deno): no `TextEncoder` and no new buffer.
 *
 * @module
 */

import type { Socket, SocketHandlers } from "./types.ts";

const encoder = new TextEncoder();

// The write side's states, in the order a socket goes through them.
const OPEN = 0;
const ENDING = 1;
const CLOSED = 2;

/**
 * A socket's write queue. An adapter extends it with the transport's own
 * `send` (and reading, pausing and closing).
 */
export abstract class WriteQueue implements Socket {
  /** The socket's owner; the adapter sets it from `open`. */
  handlers!: SocketHandlers;
  /** The send in flight, when the transport's sends are promises. */
  protected sending: Promise<number | void> | undefined;
  /**
   * While set, a send's promise gets no `.then` of its own: the caller that
   * set it awaits `sending` and calls {@linkcode WriteQueue.settle} (a read
   * loop that waits for its writes anyway spares each a promise reaction).
   */
  protected claimed = false;
  /** The bytes of the claimed send in flight. */
  #claimed: Uint8Array | undefined;
  #highWaterMark: number;
  /** Bytes waiting for the send in flight (or for `writable()`), oldest first. */
  #queue: Uint8Array[] | undefined;
  /** Bytes given to `write()` and not yet taken by the transport. */
  #pending = 0;
  /** A `write()` has returned `false` since the queue was last empty: `drain` is owed. */
  #full = false;
  /** A send is under way: in flight, or waiting for `writable()`. */
  #busy = false;
  #state = OPEN;
  /** The last view of `scratch` sent, kept for the next reply of its length. */
  #view: Uint8Array | undefined;

  /** @param highWaterMark Bytes waiting before `write()` returns `false`. */
  constructor(highWaterMark: number) {
    this.#highWaterMark = highWaterMark;
  }

  /**
   * Hands bytes to the transport. Returns how many it took at once (the
   * rest is offered again on `writable()`), or a promise that settles once
   * it has written them: to how many it wrote, if not all (the rest is sent
   * next, before what is queued), or to nothing, when it wrote them all.
   */
  protected abstract send(bytes: Uint8Array): number | Promise<number | void>;

  /**
   * Whether the transport takes text as it is, through `sendText()`: then a
   * reply that goes out whole at once is never made into bytes here.
   */
  protected get takesText(): boolean {
    return false;
  }

  /**
   * Hands text to the transport, for an adapter whose `takesText` is true:
   * returns how many of its UTF-8 bytes it took at once (the rest is offered
   * again, as bytes, on `writable()`).
   */
  protected sendText(_text: string): number {
    return 0;
  }

  /**
   * A small buffer of the socket's own, the same for its whole life, for a
   * transport that only reads a send's bytes until the send settles (Deno):
   * an ASCII text that fits is copied into it and sent from there while
   * nothing else is in flight, with no `TextEncoder` and no new buffer.
   */
  protected get scratch(): Uint8Array | undefined {
    return undefined;
  }

  /** Everything is written after `end()`: close the connection. */
  protected abstract finish(): void;

  /** A send failed: the connection is lost. */
  protected fail(_error: unknown): void {
    this.destroy();
  }

  abstract pause(): void;
  abstract resume(): void;
  abstract destroy(): void;

  /** Whether the socket has closed (see {@linkcode WriteQueue.stop}). */
  protected get closed(): boolean {
    return this.#state === CLOSED;
  }

  get room(): number {
    return this.#full || this.#state !== OPEN
      ? 0
      : Math.max(0, this.#highWaterMark - this.#pending);
  }

  /** Queues bytes or text; `false` while the queue is at the high-water mark. */
  write(data: string | Uint8Array): boolean {
    if (this.#state !== OPEN) return false;
    let bytes: Uint8Array;
    if (typeof data !== "string") bytes = data;
    else if (this.#busy) bytes = encoder.encode(data);
    else if (this.takesText) return this.#writeText(data);
    else bytes = this.#copied(data) ?? encoder.encode(data);
    this.#pending += bytes.length;
    if (this.#busy) (this.#queue ??= []).push(bytes);
    else this.#send(bytes);
    if (this.#pending >= this.#highWaterMark) this.#full = true;
    return !this.#full;
  }

  /** Closes once everything queued is written. */
  end(): void {
    if (this.#state !== OPEN) return;
    this.#state = ENDING;
    if (!this.#busy) this.finish();
  }

  /** The transport takes bytes again (Bun's `drain` event). */
  protected writable(): void {
    if (this.#busy && this.sending === undefined) this.#send(this.#take());
  }

  /**
   * Marks the socket closed and drops what is queued. Returns `false` if it
   * already was, so that closing happens once.
   */
  protected stop(): boolean {
    if (this.#state === CLOSED) return false;
    this.#state = CLOSED;
    this.#queue = undefined;
    return true;
  }

  /** Offers `text` to the transport while nothing waits; queues what it did not take. */
  #writeText(text: string): boolean {
    const taken = this.sendText(text);
    // `length` counts UTF-16 units, which are the bytes only of ASCII text.
    if (taken === text.length && ascii(text)) return !this.#full;
    const bytes = encoder.encode(text);
    const rest = bytes.subarray(Math.max(0, Math.min(taken, bytes.length)));
    if (rest.length > 0) {
      this.#busy = true;
      this.#pending += rest.length;
      (this.#queue ??= []).push(rest);
      if (this.#pending >= this.#highWaterMark) this.#full = true;
    }
    return !this.#full;
  }

  /**
   * `text` in {@linkcode WriteQueue.scratch}, if it has one and the text is
   * ASCII and fits; else `undefined`. Only while nothing is in flight: a
   * send in flight may still be reading the scratch (a partial write's rest
   * is sent from it, too, while the queue is busy).
   */
  #copied(text: string): Uint8Array | undefined {
    const scratch = this.scratch;
    const length = text.length;
    if (scratch === undefined || length > scratch.length) return undefined;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code > 0x7f) return undefined;
      scratch[i] = code;
    }
    // A new view costs far more than the copy (a builtin call and an object),
    // and a game's replies mostly share a length.
    let view = this.#view;
    if (view === undefined || view.length !== length) {
      view = this.#view = scratch.subarray(0, length);
    }
    return view;
  }

  /** Sends `bytes`, then whatever is queued, until the transport must wait or all is out. */
  #send(bytes: Uint8Array | undefined): void {
    this.#busy = true;
    for (; bytes !== undefined; bytes = this.#take()) {
      if (this.#state === CLOSED) return;
      const sent = this.send(bytes);
      if (typeof sent !== "number") {
        this.sending = sent;
        if (this.claimed) {
          this.#claimed = bytes;
        } else {
          const chunk = bytes;
          sent.then((written) => this.#sent(chunk, written), (error) => this.fail(error));
        }
        return;
      }
      const taken = Math.max(0, Math.min(sent, bytes.length));
      this.#pending -= taken;
      if (taken < bytes.length) {
        (this.#queue ??= []).unshift(bytes.subarray(taken));
        return;
      }
    }
    this.#busy = false;
    if (this.#state === ENDING) {
      this.finish();
    } else if (this.#full && this.#state === OPEN) {
      this.#full = false;
      this.handlers.drain();
    }
  }

  /**
   * A claimed send has settled to `written`: account for it and send on. For
   * the caller that awaited `sending` while `claimed`, and only when
   * `sending` is still the promise it awaited (an unclaimed send settles
   * itself, before that caller wakes).
   */
  protected settle(written: number | void): void {
    const bytes = this.#claimed;
    if (bytes === undefined) return;
    this.#claimed = undefined;
    this.#sent(bytes, written);
  }

  #sent(bytes: Uint8Array, written: number | void): void {
    this.sending = undefined;
    const taken = typeof written === "number" ? Math.max(0, written) : bytes.length;
    this.#pending -= Math.min(taken, bytes.length);
    if (this.#state === CLOSED) return;
    if (taken < bytes.length) (this.#queue ??= []).unshift(bytes.subarray(taken));
    this.#send(this.#take());
  }

  /** Everything queued, as one chunk, or `undefined` if nothing is. */
  #take(): Uint8Array | undefined {
    const queue = this.#queue;
    if (queue === undefined || queue.length === 0) return undefined;
    this.#queue = undefined;
    return queue.length === 1 ? queue[0] : concat(queue);
  }
}

function ascii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}
