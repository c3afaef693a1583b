/**
 * Reads handed on in pieces: the one place that bounds how much input a
 * socket's owner is given before it can pause. An owner answers what it is
 * given and pauses once its replies wait unwritten; everything a single
 * `data` call hands over is answered before the pause can act. So a read
 * larger than {@linkcode PIECE_BYTES} (Bun reads up to 512 KiB, Node 64 KiB)
 * is handed on a piece at a time, and once the owner has paused, the rest is
 * held until it resumes and handed on before anything more is read.
 *
 * An adapter keeps the fields of {@linkcode Paced} on its socket, sets
 * `paused` in `pause()` and clears it in `resume()`, hands every read to
 * {@linkcode deliver} and the end of the input to {@linkcode ended}, and
 * reads on only once {@linkcode resumed} has handed on what was held. It
 * must deliver nothing while paused (its transport stops reading), so that
 * held bytes keep their place.
 *
 * @module
 */

import type { SocketHandlers } from "./types.ts";

/**
 * The most bytes one `data` call is given. Deno's reads are never larger, so
 * its chunks go on whole; a larger read is handed on in pieces of this size.
 */
export const PIECE_BYTES = 16 * 1024;

/** The read state a socket keeps for {@linkcode deliver}, {@linkcode resumed} and {@linkcode ended}. */
export interface Paced {
  /** The socket's owner. */
  readonly handlers: SocketHandlers;
  /** The owner has called `pause()` and not `resume()` since. */
  paused: boolean;
  /** The rest of a read whose owner paused in it, not yet handed on; the socket's own copy. */
  held: Uint8Array | undefined;
  /** The input ended while bytes were held: `end` is owed once they are handed on. */
  heldEnd: boolean;
}

/**
 * Hands a read, the first `length` of `bytes`, to the owner: whole if it is
 * at most {@linkcode PIECE_BYTES}, else in pieces while the owner has not
 * paused, keeping a copy of the rest (`bytes` is only valid during the call)
 * in `held`.
 */
export function deliver(socket: Paced, bytes: Uint8Array, length: number): void {
  if (length <= PIECE_BYTES) socket.handlers.data(bytes, length);
  else pieces(socket, bytes.subarray(0, length), true);
}

/**
 * Hands on what is held, for `resume()` once it has cleared `paused`, until
 * the owner pauses again; then, if it has not, an `end` that was owed.
 * Returns whether the transport may read on: nothing is held, nor owed, and
 * the owner has not paused again (in the last piece, too).
 */
export function resumed(socket: Paced): boolean {
  const held = socket.held;
  if (held !== undefined) {
    socket.held = undefined;
    pieces(socket, held, false);
  }
  if (socket.paused || socket.held !== undefined) return false;
  if (socket.heldEnd) {
    socket.heldEnd = false;
    socket.handlers.end();
  }
  return true;
}

/** The input has ended: tells the owner now, or once what is held has been handed on. */
export function ended(socket: Paced): void {
  if (socket.held === undefined && !socket.heldEnd) socket.handlers.end();
  else socket.heldEnd = true;
}

/** Hands `bytes` on a piece at a time; holds the rest (a copy if `borrowed`) once paused. */
function pieces(socket: Paced, bytes: Uint8Array, borrowed: boolean): void {
  const length = bytes.length;
  for (let offset = 0; offset < length; offset += PIECE_BYTES) {
    if (socket.paused) {
      const rest = bytes.subarray(offset);
      socket.held = borrowed ? rest.slice() : rest;
      return;
    }
    const piece = bytes.subarray(offset, offset + PIECE_BYTES);
    socket.handlers.data(piece, piece.length);
  }
}
