/**
 * A WebSocket as the adapter's socket, so that its games are played by the
 * same `Connection` as TCP's: each text message is read as one line (as if
 * ended by `\n`), and each reply line written goes out as one message,
 * without its terminator. Fair turns are TCP's too (turns.ts): past
 * `TURN_LINES` messages in one task of the event loop, the rest wait for
 * the socket's next turn, after the other connections'. What TCP cannot
 * have is settled here: a binary message, a message that is not UTF-8, and
 * the close code that says why a connection was closed, read from the
 * `ERROR` line that closed it.
 *
 * @module
 */

import { type ErrorCode, formatError } from "../protocol.ts";
import type {
  MessageHandlers,
  Open,
  Socket,
  SocketHandlers,
  WebPeer,
} from "../_transport/types.ts";
import { type Paced, resumed, type Turns } from "../_transport/turns.ts";
import { TURN_LINES } from "../_server/connection.ts";

/**
 * The close code for a connection closed after an `ERROR` line with this
 * code (RFC 6455 section 7.4.1); 1000 after any other line.
 */
export const CLOSE_CODES: Readonly<Partial<Record<ErrorCode, number>>> = {
  "bad-utf8": 1007, // inconsistent data
  "line-too-long": 1009, // too big
  "shutting-down": 1001, // going away
  busy: 1013, // try again later
  internal: 1011, // unexpected condition
};

/** The close code for a binary message: unsupported data. */
const BINARY = 1003;
/** The close code for a peer that leaves too much unread, or unanswered: policy violation. */
const UNREAD = 1008;

const LF = 10;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Where a short message's line is put for its owner, who reads it during the
 * call only (as a read buffer is), so that a round trip makes no array: one
 * for all the sockets, used by one call at a time. A longer line gets one of
 * its own.
 */
const scratch = new Uint8Array(1024);

/** Puts an ASCII `text` and a `\n` in {@linkcode scratch}; returns their length, or -1 when it does not fit or is not ASCII. */
function asciiLine(text: string): number {
  const length = text.length;
  if (length >= scratch.length) return -1;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return -1;
    scratch[i] = c;
  }
  scratch[length] = LF;
  return length + 1;
}

/** Whether `bytes` are UTF-8: ASCII at a glance, else by decoding them. */
function utf8(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] >= 0x80) {
      try {
        decoder.decode(bytes);
        return true;
      } catch {
        return false;
      }
    }
  }
  return true;
}

/**
 * A WebSocket seen as a socket. Neither side can be paused: the runtimes
 * read a WebSocket whatever its owner does, and buffer in the process what
 * the peer has not read once the kernel's buffers are full. So a peer whose
 * unread replies, or whose lines waiting for a turn, pass the high-water
 * mark is dropped (1008): it is not reading, or it floods.
 */
export class MessageSocket implements Socket, MessageHandlers, Paced {
  readonly handlers: SocketHandlers;
  readonly turns: Turns;
  paused = false;
  held: Uint8Array | undefined;
  heldEnd = false;
  #peer: WebPeer;
  #highWaterMark: number;
  /** Messages handed on in the event loop's task numbered `#task` (by `turns.now()`). */
  #lines = 0;
  #task = -1;
  /** Where held lines are gathered: `held` is a view of it. */
  #store: Uint8Array = new Uint8Array(0);
  /** The code of the last line written, when it was an `ERROR` line. */
  #lastError: string | undefined;
  #open = true;

  /**
   * Opens the WebSocket's owner.
   *
   * @param peer The runtime's WebSocket.
   * @param open Attaches the owner (the server's connection).
   * @param highWaterMark Bytes of replies the peer may leave unread, and of
   *   its lines that may wait for a turn.
   * @param turns The listener's turns.
   */
  constructor(peer: WebPeer, open: Open, highWaterMark: number, turns: Turns) {
    this.#peer = peer;
    this.#highWaterMark = highWaterMark;
    this.turns = turns;
    this.handlers = open(this);
  }

  get room(): number {
    return Math.max(0, this.#highWaterMark - this.#peer.bufferedAmount);
  }

  /** Sends each line of `data` (whole lines, each with its `\n`) as a message. */
  write(data: string | Uint8Array): boolean {
    if (!this.#open) return true;
    const text = typeof data === "string" ? data : decoder.decode(data);
    let start = 0;
    for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
      const line = text.slice(start, end);
      this.#lastError = line.startsWith("ERROR ") ? line.slice(6, line.indexOf(" ", 6)) : undefined;
      this.#peer.send(line);
      start = end + 1;
    }
    if (this.#peer.bufferedAmount > this.#highWaterMark) {
      this.#open = false;
      this.#peer.terminate(UNREAD, "replies unread");
    }
    return true;
  }

  /** Lines wait while paused; {@linkcode write} never asks for it. */
  pause(): void {
    this.paused = true;
  }

  /** Lines flow again. */
  resume(): void {
    this.paused = false;
    resumed(this);
  }

  /** The runtime reads on by itself. */
  readOn(): void {}

  /** Closes, with the code that the last `ERROR` line sent calls for. */
  end(): void {
    if (!this.#open) return;
    this.#open = false;
    const code = this.#lastError === undefined
      ? 1000
      : CLOSE_CODES[this.#lastError as ErrorCode] ?? 1000;
    this.#peer.close(code, this.#lastError ?? "");
  }

  /** Closes now. */
  destroy(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#peer.close(1001, "closed");
  }

  /**
   * A message from the peer: one line (or more, where a `\n` is inside it),
   * handed to the owner with its `\n`; what the owner does not take now
   * waits for the socket's next turn.
   */
  message(data: string | Uint8Array, binary: boolean): void {
    if (!this.#open) return;
    if (binary) {
      return this.#closeWith("bad-utf8", "A binary message is not a line: send text", BINARY);
    }
    let bytes = scratch;
    let length: number;
    if (typeof data === "string") {
      length = asciiLine(data);
      if (length < 0) {
        bytes = encoder.encode(data + "\n");
        length = bytes.length;
      }
    } else {
      if (!utf8(data)) {
        return this.#closeWith("bad-utf8", "Message is not valid UTF-8", CLOSE_CODES["bad-utf8"]!);
      }
      length = data.length + 1;
      if (length > scratch.length) bytes = new Uint8Array(length);
      bytes.set(data);
      bytes[data.length] = LF;
    }
    const task = this.turns.now();
    if (task !== this.#task) {
      this.#task = task;
      this.#lines = 0;
    }
    if (this.held !== undefined || this.paused || this.#lines >= TURN_LINES) {
      return this.#hold(bytes.subarray(0, length));
    }
    this.#lines++;
    const taken = this.handlers.data(bytes, length);
    if (taken !== undefined && taken < length && this.#open) {
      this.#hold(bytes.subarray(Math.max(0, taken), length));
    }
  }

  /** Keeps a copy of lines for the socket's next turn; drops a peer whose lines pile up past the mark. */
  #hold(bytes: Uint8Array): void {
    const held = this.held;
    const length = held === undefined ? 0 : held.length;
    if (length + bytes.length > this.#highWaterMark) {
      this.#open = false;
      this.held = undefined;
      return this.#peer.terminate(UNREAD, "lines unanswered");
    }
    const start = held === undefined ? 0 : held.byteOffset;
    if (held === undefined || start + length + bytes.length > this.#store.length) {
      const store = new Uint8Array(Math.max(256, 2 * (length + bytes.length)));
      if (held !== undefined) store.set(held);
      this.#store = store;
      this.held = store.subarray(0, length);
    }
    const view = this.held!;
    this.#store.set(bytes, view.byteOffset + length);
    this.held = this.#store.subarray(view.byteOffset, view.byteOffset + length + bytes.length);
    if (held === undefined && !this.paused) this.turns.wait(this);
  }

  /** The WebSocket has closed. */
  close(): void {
    this.#open = false;
    this.held = undefined;
    this.handlers.close();
  }

  /** An `ERROR` line of this layer's own, then a close with `closeCode`. */
  #closeWith(code: ErrorCode, message: string, closeCode: number): void {
    this.#peer.send(formatError(code, message));
    this.#open = false;
    this.#peer.close(closeCode, code);
  }
}
