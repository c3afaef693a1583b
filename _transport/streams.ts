/**
 * Web streams on either side of the adapter interface: a socket seen as a
 * `{ readable, writable }` pair (what the client reads and writes), and a
 * `{ readable, writable }` pair seen as a socket (so the server can serve
 * in-memory streams in tests, or any duplex a user has).
 *
 * @module
 */

import { HIGH_WATER_MARK, type Open, type Socket, type SocketHandlers } from "./types.ts";
import { PullSocket } from "./read_loop.ts";
import { Turns } from "./turns.ts";

/** A byte stream pair: a TCP connection, or anything shaped like one. */
export interface Duplex {
  /** Bytes from the peer. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Bytes to the peer. */
  readonly writable: WritableStream<Uint8Array>;
}

/** Opens a socket through `connect` and exposes it as web streams. */
export async function socketToStreams(
  connect: (open: Open) => Promise<Socket>,
): Promise<Duplex> {
  let readController!: ReadableStreamDefaultController<Uint8Array>;
  let drained: { resolve(): void; reject(error: unknown): void } | undefined;
  let failure: unknown;
  let open = true;
  let socket: Socket | undefined;
  const handlers: SocketHandlers = {
    data(bytes, length) {
      readController.enqueue(bytes.slice(0, length));
      if ((readController.desiredSize ?? 0) <= 0) socket?.pause();
    },
    drain() {
      drained?.resolve();
      drained = undefined;
    },
    end() {
      try {
        readController.close();
      } catch { /* cancelled */ }
    },
    close(error) {
      open = false;
      failure = error ?? new Error("Connection closed");
      try {
        if (error === undefined) readController.close();
        else readController.error(error);
      } catch { /* already closed */ }
      drained?.reject(failure);
      drained = undefined;
    },
  };
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      readController = controller;
    },
    pull() {
      socket?.resume();
    },
    cancel() {
      socket?.destroy();
    },
  }, { highWaterMark: 8 });
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      if (!open || socket === undefined) throw failure;
      if (socket.write(chunk)) return;
      return new Promise((resolve, reject) => drained = { resolve, reject });
    },
    close() {
      socket?.end();
    },
    abort() {
      socket?.destroy();
    },
  });
  await connect((opened) => {
    socket = opened;
    return handlers;
  });
  return { readable, writable };
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
