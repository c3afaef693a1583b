/**
 * Fair turns: the one place that bounds how much of a connection's input is
 * answered before the other connections are served. An owner's `data` takes
 * what it will answer now (the server: a bounded number of lines, fewer once
 * its replies wait unwritten) and says how much; the rest is held, the
 * transport stops reading that socket, and the rest is handed on at the
 * socket's next turn, in a task of the event loop's own: after the sockets
 * that became readable meanwhile have been served, round robin with the
 * others that hold input. A turn task answers for a bounded time, then lets
 * the event loop poll again. So a peer that pipelines without end is served
 * at its fair share only, whatever the kernel buffers, and a read as large as
 * Bun's (512 KiB) or Node's (64 KiB) is never answered at once.
 *
 * An adapter keeps the fields of {@linkcode Paced} on its socket, sets
 * `paused` in `pause()` and clears it in `resume()` (handing on through
 * {@linkcode resumed}), hands every read to {@linkcode deliver} and the end
 * of the input to {@linkcode ended}, and reads on only when they say so (or
 * when {@linkcode Paced.readOn} is called). It must deliver nothing while it
 * holds bytes or is paused, so that held bytes keep their place.
 *
 * @module
 */

import type { SocketHandlers } from "./types.ts";

/** The read state a socket keeps for {@linkcode deliver}, {@linkcode resumed} and {@linkcode ended}. */
export interface Paced {
  /** The socket's owner. */
  readonly handlers: SocketHandlers;
  /** Where the socket waits for its next turn. */
  readonly turns: Turns;
  /** The owner has called `pause()` and not `resume()` since. */
  paused: boolean;
  /** Input the owner has not taken yet, waiting for a turn or for `resume()`. */
  held: Uint8Array | undefined;
  /** The input ended while bytes were held: `end` is owed once they are handed on. */
  heldEnd: boolean;
  /** Lets the transport read again: everything held was taken at a turn. */
  readOn(): void;
}

/**
 * How long one turn task answers held input before the event loop may poll
 * again, in milliseconds: the most a player beside flooding peers waits for
 * the loop, besides its own read's turn.
 */
export const TURN_TASK_MS = 1;

/**
 * The sockets that hold input, in the order of their turns, for one listener
 * (or one connection of a client). `later` queues a task of the event loop
 * that runs after its I/O is polled: `setImmediate` on Node and Bun, a timer
 * on Deno (whose `setImmediate` runs before its sockets are polled).
 */
export class Turns {
  #queue: Paced[] = [];
  #head = 0;
  #armed = false;
  #later: (task: () => void) => void;
  #run = () => this.#task();
  /** The number of the event loop's task, as {@linkcode Turns.now} counts them. */
  #now = 0;
  #counting = false;
  #next = () => {
    this.#now++;
    this.#counting = false;
  };

  /** @param later Queues a task to run once the event loop has polled its I/O. */
  constructor(later: (task: () => void) => void) {
    this.#later = later;
  }

  /**
   * The number of the event loop's task: it changes once the event loop has
   * polled its I/O since it was last asked, so what is counted under one
   * number was read in one task. One queued task for all the sockets that
   * ask, not one each.
   */
  now(): number {
    if (!this.#counting) {
      this.#counting = true;
      this.#later(this.#next);
    }
    return this.#now;
  }

  /** Gives `socket` a turn later: after the sockets already waiting. */
  wait(socket: Paced): void {
    this.#queue.push(socket);
    if (!this.#armed) {
      this.#armed = true;
      this.#later(this.#run);
    }
  }

  /** Turns, round robin, for {@linkcode TURN_TASK_MS}; then another task, if any still wait. */
  #task(): void {
    const until = performance.now() + TURN_TASK_MS;
    const queue = this.#queue;
    // A socket given a turn may wait again: it goes to the end of the queue.
    while (this.#head < queue.length) {
      turn(queue[this.#head++]);
      if (performance.now() >= until) break;
    }
    if (this.#head === queue.length) {
      queue.length = 0;
      this.#head = 0;
      this.#armed = false;
      return;
    }
    if (this.#head > 1024 && this.#head * 2 > queue.length) {
      queue.splice(0, this.#head);
      this.#head = 0;
    }
    this.#later(this.#run);
  }
}

/**
 * Hands a read, the first `length` of `bytes`, to the owner; what it does
 * not take is held (a copy if `borrowed`: the bytes are valid only during
 * the call) for its next turn. Returns whether the transport may read on:
 * everything was taken and the owner has not paused.
 */
export function deliver(
  socket: Paced,
  bytes: Uint8Array,
  length: number,
  borrowed: boolean,
): boolean {
  const taken = socket.handlers.data(bytes, length);
  if (taken === undefined || taken >= length) return !socket.paused;
  const rest = bytes.subarray(Math.max(0, taken), length);
  socket.held = borrowed ? rest.slice() : rest;
  if (!socket.paused) socket.turns.wait(socket);
  return false;
}

/**
 * For `resume()`, once it has cleared `paused`: held input waits for a turn;
 * with none, an `end` that was owed is told. Returns whether the transport
 * may read on.
 */
export function resumed(socket: Paced): boolean {
  if (socket.held !== undefined) {
    socket.turns.wait(socket);
    return false;
  }
  if (socket.heldEnd) {
    socket.heldEnd = false;
    socket.handlers.end();
    return false;
  }
  return true;
}

/** The input has ended: tells the owner now, or once what is held has been taken. */
export function ended(socket: Paced): void {
  if (socket.held === undefined && !socket.heldEnd) socket.handlers.end();
  else socket.heldEnd = true;
}

/** A socket's turn: hands on what it holds; once all is taken, an owed end, or reading on. */
function turn(socket: Paced): void {
  const held = socket.held;
  if (held === undefined || socket.paused) return; // resume() queues it again
  socket.held = undefined;
  const taken = socket.handlers.data(held, held.length);
  if (taken !== undefined && taken < held.length) {
    socket.held = held.subarray(Math.max(0, taken));
    if (!socket.paused) socket.turns.wait(socket);
    return;
  }
  if (socket.paused) return;
  if (socket.heldEnd) {
    socket.heldEnd = false;
    socket.handlers.end();
  } else {
    socket.readOn();
  }
}
