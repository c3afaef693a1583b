/**
 * The server's side of one connection, on the adapter's socket: bytes in,
 * lines, game, replies out. A turn answers at most {@linkcode TURN_LINES}
 * lines, with at most two writes (the first reply at once, the rest
 * together); what is left of the chunk waits for the connection's next turn
 * (turns.ts), after the other connections'. A peer whose replies pile up
 * unread stops being read, within one line's reply of the limit, until they
 * drain. Knows nothing of the runtime.
 *
 * @module
 */

import {
  ERROR_CODES,
  type ErrorCode,
  formatError,
  parseCommand,
  ProtocolError,
} from "../protocol.ts";
import { hotCommand, paramsSpace } from "./hot_lines.ts";
import { ascii, shortInteger } from "../_protocol/bytes.ts";
import { type LineSink, LineSplitter } from "../_protocol/lines.ts";
import { Game, type GameOptions } from "./game.ts";
import type { Socket, SocketHandlers } from "../_transport/types.ts";

/**
 * The most lines one turn of a connection answers. A game's turn has one to
 * four (a `REPORT` and the next `NUMBER`, or a new game's `PARAMS`); a peer
 * that pipelines more waits for its next turn after that many, so that no
 * peer holds the event loop for longer than this many lines take.
 */
export const TURN_LINES = 64;

/** What every connection of one server shares. */
export interface ConnectionContext {
  /** The game's strategy, randomness and report listener. */
  readonly game: GameOptions;
  /** The most bytes a line may have. */
  readonly maxLineBytes: number;
  /** Decodes a line's UTF-8, refusing bad bytes (stateless, so shared). */
  readonly decoder: TextDecoder;
  /** The server's coarse clock, in milliseconds, for idle checks. */
  readonly now: number;
  /** Called once when the connection has closed. */
  closed(connection: Connection): void;
  /** Told of a fault of the server's own (a bug) that ended a connection. */
  fault(error: unknown): void;
}

/** One connection of a server. */
export class Connection implements SocketHandlers, LineSink {
  /** When the peer last sent something, on the context's clock. */
  lastActive: number;
  #socket: Socket;
  #context: ConnectionContext;
  #game: Game;
  #splitter: LineSplitter;
  #out = "";
  /** A reply of the chunk being answered has been written: the rest wait in #out. */
  #wrote = false;
  /** Lines of the current turn so far. */
  #lines = 0;
  /** Bytes the socket takes before its mark, as last read this turn; -1: not read yet. */
  #room = -1;
  #paused = false;
  #closing = false;

  /**
   * Attaches to an accepted socket.
   *
   * @param socket The accepted socket.
   * @param context The server's shared settings.
   */
  constructor(socket: Socket, context: ConnectionContext) {
    this.#socket = socket;
    this.#context = context;
    this.#game = new Game(context.game);
    this.#splitter = new LineSplitter(context.maxLineBytes);
    this.lastActive = context.now;
  }

  /** Answers the chunk's complete lines, up to a turn's worth; returns the bytes taken. */
  data(bytes: Uint8Array, length: number): number {
    if (this.#closing) return length;
    this.lastActive = this.#context.now;
    this.#lines = 0;
    const taken = this.#splitter.push(bytes, this, length);
    this.#flush();
    return this.#closing ? length : taken;
  }

  /**
   * Carries out one line; returns whether the turn goes on: not past
   * {@linkcode TURN_LINES}, nor once the replies wait unwritten.
   */
  line(bytes: Uint8Array, start: number, end: number): boolean {
    if (!this.#closing && start !== end) this.#answer(bytes, start, end);
    return ++this.#lines < TURN_LINES && !this.#paused && !this.#closing;
  }

  #answer(bytes: Uint8Array, start: number, end: number): void {
    let command = hotCommand(bytes, start, end);
    if (command === undefined) {
      if (this.#hotParams(bytes, start, end)) return;
      let text = ascii(bytes, start, end);
      try {
        text ??= this.#context.decoder.decode(bytes.subarray(start, end));
      } catch {
        this.#error("bad-utf8", "Line is not valid UTF-8");
        return;
      }
      try {
        command = parseCommand(text);
      } catch (error) {
        this.#refuse(error);
        return;
      }
    }
    try {
      const reply = this.#game.handle(command);
      if (reply === undefined) return;
      // The chunk's first reply goes out at once; later ones, and errors,
      // wait in #out for the end of the chunk. A reply kept on the
      // connection would make the collector look at it again every round
      // trip (a fresh string held by a long-lived object): 6% of our Bun
      // server's instructions a round trip at 1000 connections.
      if (this.#out === "" && !this.#wrote) {
        this.#wrote = true;
        this.#write(reply + "\n");
      } else {
        this.#queue(reply + "\n");
      }
    } catch (error) {
      this.#refuse(error);
    }
  }

  /**
   * `PARAMS lower upper` with both numbers of at most 15 digits, read from
   * the bytes as parseCommand reads the text, into the game as numbers: no
   * decoding, splitting or bigint. `false`, having done nothing, for any
   * other line, which the general parser then reads.
   */
  #hotParams(bytes: Uint8Array, start: number, end: number): boolean {
    const space = paramsSpace(bytes, start, end);
    if (space === -1) return false;
    const lower = shortInteger(bytes, start + 7, space);
    const upper = shortInteger(bytes, space + 1, end);
    if (Number.isNaN(lower) || Number.isNaN(upper)) return false;
    try {
      this.#game.params(lower, upper);
    } catch (error) {
      this.#refuse(error);
    }
    return true;
  }

  #refuse(error: unknown): void {
    if (error instanceof ProtocolError && error.code !== "bad-reply") {
      if (ERROR_CODES[error.code].closes) this.closeWith(error.code, error.message);
      else this.#error(error.code, error.message);
      return;
    }
    // A fault of the server's own, not of the line: it ends this connection
    // and no other, and never escapes into the runtime's event loop.
    this.closeWith("internal", "The server failed on this line; the connection is closed");
    this.#context.fault(error);
  }

  /** Refuses a line over the limit, and closes. */
  tooLong(): void {
    this.closeWith("line-too-long", `Line longer than ${this.#context.maxLineBytes} bytes`);
  }

  /** Reading may go on: the peer has read its replies. */
  drain(): void {
    if (this.#paused && !this.#closing) {
      this.#paused = false;
      this.#socket.resume();
    }
  }

  /** The peer has finished sending: answer a last unended line, then close. */
  end(): void {
    if (this.#closing) return;
    this.#splitter.end(this);
    this.#flush();
    this.#closing = true;
    this.#socket.end();
  }

  /** The socket is gone. */
  close(): void {
    this.#closing = true;
    this.#context.closed(this);
  }

  /**
   * Sends what is answered so far and then an error that ends the connection,
   * and closes once it is written.
   */
  closeWith(code: ErrorCode, message: string): void {
    if (this.#closing) return;
    this.#error(code, message);
    this.#flush();
    this.#closing = true;
    this.#socket.end();
  }

  /** Closes now, dropping whatever is queued. */
  destroy(): void {
    this.#closing = true;
    this.#socket.destroy();
  }

  #error(code: ErrorCode, message: string): void {
    this.#queue(formatError(code, message) + "\n");
  }

  /**
   * Keeps a reply for the end of the chunk; but one that would take the
   * socket to its mark goes out alone, after what was kept, so that the
   * replies waiting pass the limit by at most that one.
   */
  #queue(text: string): void {
    if (this.#room < 0) this.#room = this.#socket.room;
    if (this.#out.length + text.length < this.#room) {
      this.#out += text;
      return;
    }
    this.#flush();
    this.#write(text);
    this.#room = this.#socket.room;
  }

  #flush(): void {
    this.#wrote = false;
    this.#room = -1;
    if (this.#out === "") return;
    const out = this.#out;
    this.#out = "";
    this.#write(out);
  }

  /** Writes, and stops reading while the replies wait unread. */
  #write(out: string): void {
    if (!this.#socket.write(out) && !this.#paused) {
      this.#paused = true;
      this.#socket.pause();
    }
  }
}
