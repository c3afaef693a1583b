/**
 * `connect()`'s wire: the runtime's own socket through the adapter seam, as
 * the server takes it. Replies are split from the socket's bytes in place
 * (lines.ts), and one that is a short integer becomes a `number` without a
 * string; other lines are decoded as UTF-8, as `LineStream` decodes them.
 *
 * @module
 */

import { type LineSink, LineSplitter } from "../_protocol/lines.ts";
import { ascii, shortInteger } from "../_protocol/bytes.ts";
import type { Socket, SocketHandlers } from "../_transport/types.ts";
import type { Duplex } from "../_transport/streams.ts";
import type { ReplyLine, Wire, WireSink } from "./wire.ts";

/**
 * A socket as a wire. It is the `Duplex` that `connect()` gives its
 * `Client`, which reads it as a wire; its streams are never made.
 */
export class SocketWire implements Wire, Duplex {
  #socket!: Socket;
  #sink!: WireSink;
  #splitter: LineSplitter;
  #max: number;
  #decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  /** Replies read before they were asked for; the socket is paused while any wait. */
  #early: ReplyLine[] = [];
  /** A read was asked for and not yet answered. */
  #reading = false;
  /** How the input ended (`error` undefined when the peer ended it), once it has. */
  #end: { error: unknown } | undefined;
  #open = true;
  #drain: PromiseWithResolvers<void> | undefined;
  #closed: PromiseWithResolvers<void> = Promise.withResolvers();

  /**
   * Makes the wire; {@linkcode handlers} then takes the socket.
   *
   * @param maxLineBytes The most bytes a reply line may have.
   */
  constructor(maxLineBytes: number) {
    this.#max = maxLineBytes;
    this.#splitter = new LineSplitter(maxLineBytes);
  }

  /** The adapter's `open`: takes the new socket and gives it its handlers. */
  readonly handlers = (socket: Socket): SocketHandlers => {
    this.#socket = socket;
    return {
      data: (bytes, length) => {
        if (this.#end) return;
        this.#splitter.push(bytes, this.#lines, length);
        if (this.#early.length > 0) socket.pause();
      },
      drain: () => {
        this.#drain?.resolve();
        this.#drain = undefined;
      },
      end: () => {
        if (!this.#end) this.#splitter.end(this.#lines);
        this.#ended(undefined);
      },
      close: (error) => {
        this.#open = false;
        this.#ended(error);
        this.#drain?.reject(error ?? new Error("The connection closed"));
        this.#drain = undefined;
        this.#closed.resolve();
      },
    };
  };

  /** Never made: the client reads this wire itself. */
  get readable(): ReadableStream<Uint8Array> {
    throw new TypeError("connect()'s connection has no streams: its Client reads it");
  }

  /** Never made: the client writes this wire itself. */
  get writable(): WritableStream<Uint8Array> {
    throw new TypeError("connect()'s connection has no streams: its Client writes it");
  }

  #lines: LineSink = {
    line: (bytes, start, end) => {
      if (this.#end) return false;
      const number = shortInteger(bytes, start, end);
      let line: ReplyLine = number;
      if (number !== number) { // NaN: not a short integer
        try {
          line = ascii(bytes, start, end) ?? this.#decoder.decode(bytes.subarray(start, end));
        } catch (error) {
          this.#fail(error);
          return false;
        }
      }
      if (this.#reading && this.#early.length === 0) {
        this.#reading = false;
        this.#sink.reply(line);
      } else {
        this.#early.push(line);
      }
    },
    tooLong: () => this.#fail(new RangeError(`Cannot read line: longer than ${this.#max} bytes`)),
  };

  /** A reply that cannot be read ends the input: the lines before it are still delivered. */
  #fail(error: unknown): void {
    this.#ended(error);
    this.#socket.destroy();
  }

  #ended(error: unknown): void {
    if (this.#end) return;
    this.#end = { error };
    if (this.#reading && this.#early.length === 0) {
      this.#reading = false;
      this.#sink.closed(error);
    }
  }

  attach(sink: WireSink): void {
    this.#sink = sink;
  }

  write(text: string): boolean {
    return !this.#open || this.#socket.write(text);
  }

  drained(): Promise<void> {
    if (!this.#open || this.#socket.room > 0) return Promise.resolve();
    this.#drain ??= Promise.withResolvers();
    return this.#drain.promise;
  }

  read(): void {
    const early = this.#early;
    if (early.length > 0) {
      const line = early.shift()!;
      if (early.length === 0 && !this.#end) this.#socket.resume();
      return this.#sink.reply(line);
    }
    if (this.#end) return this.#sink.closed(this.#end.error);
    this.#reading = true;
  }

  close(): Promise<void> {
    this.#ended(undefined);
    this.#early.length = 0;
    if (this.#open) this.#socket.end();
    return this.#closed.promise;
  }
}
