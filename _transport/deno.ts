/**
 * Deno's sockets (`Deno.listen`, `Deno.connect`) behind the adapter
 * interface. Reads go into one reused buffer per connection (a fresh chunk
 * per read is what makes `conn.readable` slow); writes queue up while one is
 * in flight and go out together.
 *
 * @module
 */

import { HIGH_WATER_MARK, LISTEN_BACKLOG, type Open, type Runtime } from "./types.ts";
import { PullSocket } from "./read_loop.ts";
import { Turns } from "./turns.ts";
import { handshaken } from "./tls.ts";

// A connection's read buffer starts small, so that thousands of idle
// connections (each with a read pending) cost little, and doubles each time
// a read fills it, up to the most a busy connection needs. 128 bytes hold a
// round trip's lines many times over.
const FIRST_READ_SIZE = 128;
// The most a busy connection needs: 16 KiB is hundreds of round trips' lines.
const MOST_READ_SIZE = 16 * 1024;
// A connection's replies are copied into a buffer of its own (the write
// queue's scratch) when they fit: any number of the fast path, and its "\n".
const SCRATCH_SIZE = 32;

// The first read buffers and the scratch buffers are cut from shared slabs:
// an ArrayBuffer of its own would cost a connection more than its bytes. A
// slab lives while any of its connections still uses it, so slabs hold
// about 160 bytes for every connection open at the peak, never much more.
const SLAB_SIZE = 4096;
let slab = new Uint8Array(0);
let slabUsed = 0;

/** The next `size` free bytes of the current slab. */
function slabPiece(size: number): Uint8Array {
  if (slabUsed + size > slab.length) {
    slab = new Uint8Array(SLAB_SIZE);
    slabUsed = 0;
  }
  slabUsed += size;
  return slab.subarray(slabUsed - size, slabUsed);
}

/**
 * One connection: the loop reads into `#buffer`; sends write all their
 * bytes. Deno's write only reads its bytes until its promise settles, so
 * replies may go out from `#scratch`.
 */
class DenoSocket extends PullSocket<number | null> {
  #conn: Deno.TcpConn | Deno.TlsConn;
  #buffer = slabPiece(FIRST_READ_SIZE);
  /** The last read filled `#buffer`: the next reads into one twice its size. */
  #filled = false;
  #scratch = slabPiece(SCRATCH_SIZE);

  constructor(
    conn: Deno.TcpConn | Deno.TlsConn,
    open: Open,
    highWaterMark: number,
    turns: Turns,
  ) {
    super(highWaterMark, turns);
    this.#conn = conn;
    // Before `open`, which may write at once (`ERROR busy`): Deno refuses
    // setNoDelay while a write is in flight ("Unable to get resources"). A
    // TLS connection has none: its TCP connection's is set first.
    if ("setNoDelay" in conn) conn.setNoDelay(true);
    this.handlers = open(this);
    void this.pull();
  }

  protected override get takesTurns(): boolean {
    return true;
  }

  protected override get scratch(): Uint8Array {
    return this.#scratch;
  }

  protected read(): Promise<number | null> {
    if (this.#filled) {
      this.#filled = false;
      this.#buffer = new Uint8Array(this.#buffer.length * 2);
    }
    return this.#conn.read(this.#buffer);
  }

  protected received(n: number | null): number {
    if (n === null) return -1;
    this.#filled = n === this.#buffer.length && n < MOST_READ_SIZE;
    return n;
  }

  protected get chunk(): Uint8Array {
    return this.#buffer;
  }

  protected send(bytes: Uint8Array): Promise<number> {
    // The write's own promise, with no async function around it: the queue
    // sends the rest of a partial write itself.
    return this.#conn.write(bytes);
  }

  protected release(): void {
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }
}

/** Whether an `accept()` failure is a lack of file descriptors, which time may cure. */
function outOfFiles(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "EMFILE" || code === "ENFILE";
}

/**
 * Queues a task that runs once Deno has polled its sockets: a timer (at least
 * 1 ms away). Deno's `setImmediate` and a settled write run before the next
 * poll, so sockets that became readable would wait behind them.
 */
export function later(task: () => void): void {
  setTimeout(task, 0);
}

/**
 * A TLS listener goes through `node:tls` (Deno's own), by the Node adapter:
 * a `Deno.listenTls` connection cannot be closed before its handshake has
 * finished (Deno waits for it, denoland/deno#14547), so a peer that never
 * finishes would keep its socket past any deadline. Loaded only when asked for.
 */
function nodeTls(): Promise<Runtime> {
  return import("./node.ts").then((node) => node.runtime);
}

/** Deno's adapter. */
export const runtime: Runtime = {
  listen(options, open) {
    if (options.tls) return nodeTls().then((node) => node.listen(options, open));
    const listener = Deno.listen({
      hostname: options.hostname,
      port: options.port,
      reusePort: options.reusePort,
      tcpBacklog: LISTEN_BACKLOG,
    });
    const highWaterMark = options.highWaterMark ?? HIGH_WATER_MARK;
    const turns = new Turns(later);
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
          new DenoSocket(conn, open, highWaterMark, turns);
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
    const tcp = await Deno.connect({ hostname: options.hostname, port: options.port });
    const tls = options.tls;
    if (!tls) return new DenoSocket(tcp, open, HIGH_WATER_MARK, new Turns(later));
    // Deno's own TLS, whose errors say what was wrong with a certificate
    // (node:tls on Deno says "unable to verify" of an expired one). Closing it
    // mid-handshake waits for the handshake (see nodeTls): past the deadline
    // its socket lingers until the server lets go.
    tcp.setNoDelay(true);
    const conn = await Deno.startTls(tcp, {
      hostname: tls.serverName,
      caCerts: tls.ca === undefined ? undefined : [tls.ca],
    });
    const close = () => {
      try {
        conn.close();
      } catch { /* already closed */ }
    };
    try {
      await handshaken(conn.handshake(), tls.handshakeTimeout, close);
    } catch (error) {
      close();
      throw error;
    }
    return new DenoSocket(conn, open, HIGH_WATER_MARK, new Turns(later));
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
