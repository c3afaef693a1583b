/**
 * Bun's sockets (`Bun.listen`, `Bun.connect`) behind the adapter interface.
 * Bun's `write()` does not buffer: it returns how many bytes it took, so
 * the rest waits here for `drain`.
 *
 * @module
 */

import { HIGH_WATER_MARK, type Open, type Runtime, type Socket } from "./types.ts";
import { onProcessSignal } from "./process_signal.ts";

/** The little of Bun's socket this adapter uses. */
interface BunSocket {
  data: State;
  write(data: string | Uint8Array): number;
  pause(): void;
  resume(): void;
  end(): void;
  terminate(): void;
  setNoDelay(enabled: boolean): boolean;
}

interface BunSocketHandler {
  open(socket: BunSocket): void;
  data(socket: BunSocket, chunk: Uint8Array): void;
  drain(socket: BunSocket): void;
  end(socket: BunSocket): void;
  close(socket: BunSocket, error?: Error): void;
  error(socket: BunSocket, error: Error): void;
}

interface BunApi {
  listen(options: {
    hostname: string;
    port: number;
    reusePort?: boolean;
    socket: BunSocketHandler;
  }): { hostname: string; port: number; stop(closeActive?: boolean): void };
  connect(
    options: { hostname: string; port: number; socket: BunSocketHandler },
  ): Promise<BunSocket>;
}

const Bun = (globalThis as unknown as { Bun: BunApi }).Bun;
const encoder = new TextEncoder();

/** Per-socket state, kept on Bun's `socket.data`. */
class State implements Socket {
  handlers: ReturnType<Open> | undefined;
  #bun: BunSocket;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #ending = false;
  #failure: Error | undefined;
  #highWaterMark: number;

  constructor(bun: BunSocket, open: Open, highWaterMark: number) {
    this.#bun = bun;
    this.#highWaterMark = highWaterMark;
    bun.data = this;
    bun.setNoDelay(true);
    this.handlers = open(this);
  }

  write(data: string | Uint8Array): boolean {
    if (this.#ending) return false;
    if (this.#queued === 0) {
      const bytes = typeof data === "string" ? encoder.encode(data) : data;
      const written = this.#bun.write(bytes);
      if (written >= bytes.length) return true;
      data = bytes.subarray(Math.max(written, 0));
    }
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    this.#queue.push(bytes);
    this.#queued += bytes.length;
    return this.#queued < this.#highWaterMark;
  }

  pause(): void {
    this.#bun.pause();
  }

  resume(): void {
    this.#bun.resume();
  }

  end(): void {
    this.#ending = true;
    if (this.#queued === 0) this.#bun.end();
  }

  destroy(): void {
    this.#bun.terminate();
  }

  drain(): void {
    const full = this.#queued >= this.#highWaterMark;
    while (this.#queue.length > 0) {
      const bytes = this.#queue[0];
      const written = this.#bun.write(bytes);
      if (written < 0) return;
      this.#queued -= Math.min(written, bytes.length);
      if (written < bytes.length) {
        this.#queue[0] = bytes.subarray(written);
        return;
      }
      this.#queue.shift();
    }
    if (this.#ending) this.#bun.end();
    else if (full) this.handlers?.drain();
  }

  fail(error: Error): void {
    this.#failure = error;
  }

  closed(error?: Error): void {
    this.handlers?.close(error ?? this.#failure);
    this.handlers = undefined;
  }
}

function handler(open: Open, highWaterMark = HIGH_WATER_MARK): BunSocketHandler {
  return {
    open: (bun) => void new State(bun, open, highWaterMark),
    data: (bun, chunk) => bun.data.handlers?.data(chunk),
    drain: (bun) => bun.data.drain(),
    end: (bun) => bun.data.handlers?.end(),
    close: (bun, error) => bun.data.closed(error),
    error: (bun, error) => bun.data.fail(error),
  };
}

/** Bun's adapter. */
export const runtime: Runtime = {
  listen(options, open) {
    const listener = Bun.listen({
      hostname: options.hostname,
      port: options.port,
      reusePort: options.reusePort,
      socket: handler(open, options.highWaterMark),
    });
    return Promise.resolve({
      hostname: listener.hostname,
      port: listener.port,
      close: () => listener.stop(false),
    });
  },
  async connect(options, open) {
    const bun = await Bun.connect({
      hostname: options.hostname,
      port: options.port,
      socket: handler(open),
    });
    return bun.data;
  },
  onSignal: onProcessSignal,
};
