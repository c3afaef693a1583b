/**
 * Web streams on either side of the adapter interface: a socket seen as a
 * `{ readable, writable }` pair (what the client reads and writes), and a
 * `{ readable, writable }` pair seen as a socket (so the server can serve
 * in-memory streams in tests, or any duplex a user has).
 *
 * @module
 */

import { HIGH_WATER_MARK, type Open, type Socket, type SocketHandlers } from "./types.ts";

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
    data(chunk) {
      readController.enqueue(chunk.slice());
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

/** Runs a socket over a web stream pair, for `open` to own. */
export function streamsToSocket(duplex: Duplex, open: Open): Socket {
  const reader = duplex.readable.getReader();
  const writer = duplex.writable.getWriter();
  const encoder = new TextEncoder();
  let queued = 0;
  let paused = false;
  let closed = false;
  let wake: (() => void) | undefined;

  const close = (error?: unknown) => {
    if (closed) return;
    closed = true;
    wake?.();
    reader.cancel().catch(() => {});
    handlers.close(error);
  };
  const socket: Socket = {
    write(data) {
      if (closed) return false;
      const bytes = typeof data === "string" ? encoder.encode(data) : data;
      const full = () => queued >= HIGH_WATER_MARK;
      queued += bytes.length;
      const wasFull = full();
      writer.write(bytes).then(() => {
        queued -= bytes.length;
        if (wasFull && !full()) handlers.drain();
      }, close);
      return !wasFull;
    },
    pause: () => paused = true,
    resume() {
      paused = false;
      wake?.();
    },
    end() {
      writer.close().then(() => close(), close);
    },
    destroy() {
      writer.abort().catch(() => {});
      close();
    },
  };
  const handlers = open(socket);
  (async () => {
    try {
      while (!closed) {
        if (paused) {
          await new Promise<void>((resolve) => wake = resolve);
          wake = undefined;
          continue;
        }
        const { value, done } = await reader.read();
        if (done) {
          handlers.end();
          return;
        }
        handlers.data(value);
      }
    } catch (error) {
      close(error);
    }
  })();
  return socket;
}
