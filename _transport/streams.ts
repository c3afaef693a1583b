/**
 * Web streams on the server's side of the adapter interface: a
 * `{ readable, writable }` pair seen as a socket, so the server can serve
 * in-memory streams in tests, or any duplex a user has. (The client reads a
 * stream pair itself: _client/wire.ts.)
 *
 * @module
 */

import { HIGH_WATER_MARK, type Open, type Socket } from "./types.ts";
import { PullSocket } from "./read_loop.ts";
import { Turns } from "./turns.ts";

/** A byte stream pair: a TCP connection, or anything shaped like one. */
export interface Duplex {
  /** Bytes from the peer. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Bytes to the peer. */
  readonly writable: WritableStream<Uint8Array>;
}

/** A web stream pair as a socket: the loop reads from `#reader`; sends go to `#writer`. */
class StreamSocket extends PullSocket<ReadableStreamReadResult<Uint8Array>> {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #chunk: Uint8Array = new Uint8Array(0);
  #writer: WritableStreamDefaultWriter<Uint8Array>;

  constructor(duplex: Duplex, open: Open) {
    // A timer for the turns: it is what every runtime, and a browser, has.
    super(HIGH_WATER_MARK, new Turns((task) => setTimeout(task, 0)));
    this.#reader = duplex.readable.getReader();
    this.#writer = duplex.writable.getWriter();
    this.handlers = open(this);
    void this.pull();
  }

  protected read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    return this.#reader.read();
  }

  protected received(result: ReadableStreamReadResult<Uint8Array>): number {
    if (result.done) return -1;
    this.#chunk = result.value;
    return result.value.length;
  }

  protected get chunk(): Uint8Array {
    return this.#chunk;
  }

  protected send(bytes: Uint8Array): Promise<void> {
    return this.#writer.write(bytes);
  }

  protected override finish(): void {
    this.#writer.close().then(() => this.close(), (error) => this.close(error));
  }

  override destroy(): void {
    this.#writer.abort().catch(() => {});
    this.close();
  }

  protected release(): void {
    this.#reader.cancel().catch(() => {});
  }
}

/** Runs a socket over a web stream pair, for `open` to own. */
export function streamsToSocket(duplex: Duplex, open: Open): Socket {
  return new StreamSocket(duplex, open);
}
