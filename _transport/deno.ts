/**
 * Deno's sockets (`Deno.listen`, `Deno.connect`) behind the adapter
 * interface. Reads go into one reused buffer per connection (a fresh chunk
 * per read is what makes `conn.readable` slow); writes queue up while one is
 * in flight and go out together.
 *
 * @module
 */

import { HIGH_WATER_MARK, type Open, type Runtime, type Socket } from "./types.ts";

// A connection's read buffer starts small, so that thousands of idle
// connections (each with a read pending) cost little, and doubles each time
// a read fills it, up to the most a busy connection needs.
const FIRST_READ_SIZE = 512;
const MOST_READ_SIZE = 16 * 1024;
const encoder = new TextEncoder();

function wrap(conn: Deno.TcpConn, open: Open, highWaterMark: number): Socket {
  let queue: Uint8Array[] = [];
  let queued = 0;
  let writing = false;
  let flushed: Promise<void> | undefined;
  let ending = false;
  let closed = false;
  let paused = false;
  let wake: (() => void) | undefined;

  const close = (error?: unknown) => {
    if (closed) return;
    closed = true;
    try {
      conn.close();
    } catch { /* already closed */ }
    wake?.();
    handlers.close(error);
  };

  const flush = async () => {
    writing = true;
    let full = false;
    try {
      while (queue.length > 0) {
        full ||= queued >= highWaterMark;
        const bytes = queue.length === 1 ? queue[0] : concat(queue, queued);
        queue = [];
        queued = 0;
        for (let offset = 0; offset < bytes.length;) {
          offset += await conn.write(bytes.subarray(offset));
        }
      }
    } catch (error) {
      close(error);
      return;
    } finally {
      writing = false;
    }
    if (ending) close();
    else if (full) handlers.drain();
  };

  const socket: Socket = {
    write(data) {
      if (closed || ending) return false;
      const bytes = typeof data === "string" ? encoder.encode(data) : data;
      queue.push(bytes);
      queued += bytes.length;
      if (!writing) flushed = flush();
      return queued < highWaterMark;
    },
    pause: () => paused = true,
    resume() {
      paused = false;
      wake?.();
    },
    end() {
      ending = true;
      if (!writing) close();
    },
    destroy: () => close(),
  };
  // Before `open`, which may write at once (`ERROR busy`): Deno refuses
  // setNoDelay while a write is in flight ("Unable to get resources").
  conn.setNoDelay(true);
  const handlers = open(socket);

  (async () => {
    let buffer = new Uint8Array(FIRST_READ_SIZE);
    try {
      while (!closed) {
        if (paused) {
          await new Promise<void>((resolve) => wake = resolve);
          wake = undefined;
          continue;
        }
        const n = await conn.read(buffer);
        if (n === null) {
          handlers.end();
          return;
        }
        handlers.data(buffer.subarray(0, n));
        // Read on once the replies are out: a connection then takes turns
        // with the others instead of racing ahead of its own writes.
        if (writing) await flushed;
        if (n === buffer.length && n < MOST_READ_SIZE) buffer = new Uint8Array(n * 2);
      }
    } catch (error) {
      close(closed ? undefined : error);
    }
  })();
  return socket;
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/** Whether an `accept()` failure is a lack of file descriptors, which time may cure. */
function outOfFiles(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "EMFILE" || code === "ENFILE";
}

/** Deno's adapter. */
export const runtime: Runtime = {
  listen(options, open) {
    const listener = Deno.listen({
      hostname: options.hostname,
      port: options.port,
      reusePort: options.reusePort,
    });
    (async () => {
      while (true) {
        let conn: Deno.TcpConn;
        try {
          conn = await listener.accept();
        } catch (error) {
          if (
            error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted
          ) {
            return;
          }
          // Out of file descriptors: back off, then accept again. Any other
          // failure is one connection's (NotConnected: its peer reset it
          // before it was accepted), and the next is accepted at once.
          if (outOfFiles(error)) await new Promise((resolve) => setTimeout(resolve, 50));
          continue;
        }
        try {
          wrap(conn, open, options.highWaterMark ?? HIGH_WATER_MARK);
        } catch {
          // One connection failed to start (it closed at once): go on accepting.
          try {
            conn.close();
          } catch { /* already closed */ }
        }
      }
    })();
    const addr = listener.addr;
    return Promise.resolve({
      hostname: addr.hostname,
      port: addr.port,
      close: () => listener.close(),
    });
  },
  async connect(options, open) {
    const conn = await Deno.connect({ hostname: options.hostname, port: options.port });
    return wrap(conn, open, HIGH_WATER_MARK);
  },
  onSignal(listener) {
    Deno.addSignalListener("SIGINT", listener);
    Deno.addSignalListener("SIGTERM", listener);
    return () => {
      Deno.removeSignalListener("SIGINT", listener);
      Deno.removeSignalListener("SIGTERM", listener);
    };
  },
};
