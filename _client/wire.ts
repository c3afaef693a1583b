/**
 * What a {@linkcode Client} needs of its connection, a wire: whole lines out
 * in one write, one reply line in at a time. Two wires implement it: this
 * file's over any web byte stream pair (`new Client(duplex)`), and
 * socket_wire.ts's over the runtime's own socket (`connect()`).
 *
 * @module
 */

import { LineStream } from "../protocol.ts";
import type { Duplex } from "../_transport/streams.ts";

/**
 * A reply as the wire read it: a line that is a short integer (an optional
 * sign and at most 15 digits, as `parseReply` reads it) as its `number`, any
 * other line as its text.
 */
export type ReplyLine = string | number;

/** Where a wire delivers what it read: one call for each {@linkcode Wire.read}. */
export interface WireSink {
  /** The next reply line. */
  reply(line: ReplyLine): void;
  /**
   * The connection ended (`error` undefined) or failed; every read after it
   * is answered the same way.
   */
  closed(error?: unknown): void;
}

/** A connection as the client uses it. */
export interface Wire {
  /** Starts delivering to `sink`; called once, before anything else. */
  attach(sink: WireSink): void;
  /**
   * Sends whole lines (each with its `\n`) in one write. Returns `false`
   * while the peer is not taking them: {@linkcode drained} says when it has.
   */
  write(text: string): boolean;
  /** Settles once what was written has been taken; rejects if the connection fails first. */
  drained(): Promise<void>;
  /** Asks for the next reply: one call to the sink answers it, perhaps before this returns. */
  read(): void;
  /** Sends what was written, then closes; reads nothing more. Resolves once closed. */
  close(): Promise<void>;
}

/**
 * A web byte stream pair as a wire: the lines come through
 * {@linkcode LineStream}, where `@std/streams`' `TextLineStream` would go.
 */
export class StreamWire implements Wire {
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #lines: ReadableStreamDefaultReader<string>;
  #encoder = new TextEncoder();
  #sink!: WireSink;
  #failure: { error: unknown } | undefined;
  /** A read was asked for and not yet answered. */
  #reading = false;

  /**
   * Takes the pair's writer and reader.
   *
   * @param duplex The byte streams.
   * @param maxLineBytes The most bytes a reply line may have.
   */
  constructor(duplex: Duplex, maxLineBytes: number) {
    this.#writer = duplex.writable.getWriter();
    this.#lines = duplex.readable.pipeThrough(new LineStream({ maxLineBytes })).getReader();
    this.#writer.closed.catch(() => {});
  }

  attach(sink: WireSink): void {
    this.#sink = sink;
  }

  write(text: string): boolean {
    this.#writer.write(this.#encoder.encode(text)).catch((error) => this.#fail(error));
    return (this.#writer.desiredSize ?? 0) > 0;
  }

  drained(): Promise<void> {
    return this.#writer.ready;
  }

  read(): void {
    if (this.#failure) return this.#sink.closed(this.#failure.error);
    this.#reading = true;
    this.#lines.read().then((result) => {
      if (!this.#reading) return;
      this.#reading = false;
      if (result.done) this.#sink.closed();
      else this.#sink.reply(result.value);
    }, (error) => this.#fail(error));
  }

  /** A failed write fails the read that waits, which the reader may never end. */
  #fail(error: unknown): void {
    this.#failure ??= { error };
    if (!this.#reading) return;
    this.#reading = false;
    this.#sink.closed(this.#failure.error);
  }

  async close(): Promise<void> {
    await this.#writer.close().catch(() => {});
    await this.#lines.cancel().catch(() => {});
  }
}
