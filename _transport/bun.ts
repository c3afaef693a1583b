/**
 * Bun's sockets (`Bun.listen`, `Bun.connect`) behind the adapter interface.
 * Bun's `write()` does not buffer: it returns how many bytes it took, so
 * the rest waits in the write queue for `drain`. Bun reads up to 512 KiB at
 * once: what the owner does not take waits for its next turn (turns.ts).
 *
 * @module
 */

import { HIGH_WATER_MARK, type Open, type Runtime } from "./types.ts";
import { handshakeDeadline, handshaken } from "./tls.ts";
import { onProcessSignal } from "./process_signal.ts";
import { WriteQueue } from "./write_queue.ts";
import { deliver, ended, type Paced, resumed, Turns } from "./turns.ts";

/** The little of Bun's socket this adapter uses. */
interface RawSocket {
  data: BunSocket;
  write(data: Uint8Array | string): number;
  pause(): void;
  resume(): void;
  end(): void;
  terminate(): void;
  setNoDelay(enabled: boolean): boolean;
}

interface RawHandler {
  open(socket: RawSocket): void;
  data(socket: RawSocket, chunk: Uint8Array): void;
  drain(socket: RawSocket): void;
  end(socket: RawSocket): void;
  close(socket: RawSocket, error?: Error): void;
  error(socket: RawSocket, error: Error): void;
  handshake(socket: RawSocket, success: boolean, authorizationError: Error | null): void;
}

/** Bun's `tls` option, as this adapter gives it. */
interface RawTls {
  cert?: string;
  key?: string;
  ca?: string;
  serverName?: string;
  rejectUnauthorized?: boolean;
}

interface BunApi {
  listen(options: {
    hostname: string;
    port: number;
    reusePort?: boolean;
    tls?: RawTls;
    socket: RawHandler;
  }): { hostname: string; port: number; stop(closeActive?: boolean): void };
  connect(
    options: { hostname: string; port: number; tls?: RawTls; socket: RawHandler },
  ): Promise<RawSocket>;
}

const Bun = (globalThis as unknown as { Bun: BunApi }).Bun;

/** One connection, kept on Bun's `socket.data`. */
class BunSocket extends WriteQueue implements Paced {
  paused = false;
  held: Uint8Array | undefined;
  heldEnd = false;
  readonly turns: Turns;
  /** Told when the TLS handshake ends: whether it succeeded, and why not. */
  handshook: ((success: boolean, error: Error | null) => void) | undefined;
  #raw: RawSocket;
  #failure: Error | undefined;

  constructor(raw: RawSocket, open: Open, highWaterMark: number, turns: Turns) {
    super(highWaterMark);
    this.turns = turns;
    this.#raw = raw;
    raw.data = this;
    raw.setNoDelay(true);
    this.handlers = open(this);
  }

  // Bun's write() takes a string and says how many of its bytes it took:
  // replies go out with no TextEncoder copy.
  protected override get takesText(): boolean {
    return true;
  }

  protected override sendText(text: string): number {
    return this.#took(this.#raw.write(text));
  }

  protected send(bytes: Uint8Array): number {
    return this.#took(this.#raw.write(bytes));
  }

  /**
   * What a write took. Bun's write() gives -1 once the socket has failed
   * (its peer reset it): nothing is taken, and the socket is closed, after
   * the current event. Left open, a paused socket would be told of its end
   * only when the server stops.
   */
  #took(taken: number): number {
    if (taken < 0) queueMicrotask(() => this.#raw.terminate());
    return taken;
  }

  protected finish(): void {
    this.#raw.end();
  }

  pause(): void {
    this.paused = true;
    this.#raw.pause();
  }

  resume(): void {
    this.paused = false;
    if (resumed(this)) this.#raw.resume();
  }

  readOn(): void {
    this.#raw.resume();
  }

  /** Bun's `data`: Bun's buffer is copied from only for what waits for a turn. */
  onData(chunk: Uint8Array): void {
    if (!deliver(this, chunk, chunk.length, true)) this.#raw.pause();
  }

  destroy(): void {
    this.#raw.terminate();
  }

  /** Bun's `drain`: it takes bytes again. */
  onDrain(): void {
    this.writable();
  }

  onError(error: Error): void {
    this.#failure = error;
  }

  onClose(error?: Error): void {
    this.held = undefined;
    // Closed before its handshake ended: the handshake failed.
    this.handshook?.(false, error ?? this.#failure ?? new Error("closed in the TLS handshake"));
    if (this.stop()) this.handlers.close(error ?? this.#failure);
  }
}

// One handler for every socket of a listener: each finds its own state on
// `data`. Their turns come after Bun has polled its sockets (`setImmediate`).
// A TLS socket opens at its TCP accept; `handshakeTimeout` bounds the rest.
function handler(open: Open, highWaterMark = HIGH_WATER_MARK, handshakeTimeout = 0): RawHandler {
  const turns = new Turns(setImmediate);
  return {
    open: (raw) => {
      const socket = new BunSocket(raw, open, highWaterMark, turns);
      if (handshakeTimeout > 0) {
        socket.handshook = handshakeDeadline(handshakeTimeout, () => raw.terminate());
      }
    },
    handshake: (raw, success, error) => raw.data.handshook?.(success, error),
    data: (raw, chunk) => raw.data.onData(chunk),
    drain: (raw) => raw.data.onDrain(),
    end: (raw) => ended(raw.data),
    close: (raw, error) => raw.data.onClose(error),
    error: (raw, error) => raw.data.onError(error),
  };
}

/** Bun's adapter. */
export const runtime: Runtime = {
  listen(options, open) {
    // No LISTEN_BACKLOG here: Bun 1.4.5's Bun.listen has no backlog option
    // (nor in its types) and listens with 512 whatever it is given.
    const listener = Bun.listen({
      hostname: options.hostname,
      port: options.port,
      reusePort: options.reusePort,
      tls: options.tls && { cert: options.tls.cert, key: options.tls.key },
      socket: handler(open, options.highWaterMark, options.tls?.handshakeTimeout),
    });
    return Promise.resolve({
      hostname: listener.hostname,
      port: listener.port,
      close: () => listener.stop(false),
    });
  },
  async connect(options, open) {
    const tls = options.tls;
    const raw = await Bun.connect({
      hostname: options.hostname,
      port: options.port,
      tls: tls && { ca: tls.ca, serverName: tls.serverName, rejectUnauthorized: true },
      socket: handler(open),
    });
    if (!tls) return raw.data;
    // Bun calls `handshake` with the verification's error, then closes.
    const { promise, resolve, reject } = Promise.withResolvers<BunSocket>();
    raw.data.handshook = (success, error) => {
      raw.data.handshook = undefined;
      if (success && error === null) resolve(raw.data);
      else reject(error ?? new Error("The TLS handshake failed"));
    };
    return handshaken(promise, tls.handshakeTimeout, () => raw.terminate());
  },
  onSignal: onProcessSignal,
};
