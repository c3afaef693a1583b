/**
 * A raw TCP test client on `node:net` (which all three runtimes have): it
 * writes bytes as given and reads reply lines one at a time, each with a
 * timeout, so no test can hang.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { connect as netConnect, type Socket as NetSocket } from "node:net";

/** The address every test server listens on. */
export const HOST = "127.0.0.1";
/** The longest any single read waits for a line before the test fails. */
export const READ_TIMEOUT = 5_000;
const LF = 10;

/** Rejects when `promise` has not settled within `ms`; clears its timer either way. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A raw TCP client on `node:net`: writes bytes as given, and reads reply lines
 * one at a time with a timeout. `readLine()` resolves `null` once the server
 * has closed the connection and every line before that has been read.
 */
export class RawClient implements AsyncDisposable {
  readonly socket: NetSocket;
  /** Complete lines not yet read. */
  #lines: string[] = [];
  /** Bytes of a line not yet ended. */
  #tail: Buffer = Buffer.alloc(0);
  /** When false, lines are only counted (for floods of replies), not kept. */
  #keep = true;
  /** Lines received in all. */
  received = 0;
  /** Bytes received that are not `0`-`9`, `-` or `\n`, while lines are only counted. */
  strayBytes = 0;
  /** The server has closed (FIN or reset); nothing more will arrive. */
  eof = false;
  /** The socket's error, if one closed it. */
  error: Error | undefined;
  #wake: (() => void) | undefined;

  private constructor(socket: NetSocket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => this.#data(chunk));
    socket.on("end", () => this.#finish());
    socket.on("close", () => this.#finish());
    socket.on("error", (error) => {
      this.error ??= error;
      this.#finish();
    });
  }

  /** Connects to the server on `port`. */
  static connect(port: number): Promise<RawClient> {
    return within(
      new Promise((resolve, reject) => {
        const socket = netConnect({ host: HOST, port });
        socket.setNoDelay(true);
        socket.once("error", reject);
        socket.once("connect", () => {
          socket.off("error", reject);
          resolve(new RawClient(socket));
        });
      }),
      READ_TIMEOUT,
      `connecting to port ${port}`,
    );
  }

  #data(chunk: Buffer): void {
    if (!this.#keep) {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i];
        if (byte === LF) this.received++;
        else if ((byte < 48 || byte > 57) && byte !== 45) this.strayBytes++;
      }
      this.#wake?.();
      return;
    }
    let start = 0;
    for (let newline = chunk.indexOf(LF); newline !== -1; newline = chunk.indexOf(LF, start)) {
      const piece = chunk.subarray(start, newline);
      const line = this.#tail.length > 0 ? Buffer.concat([this.#tail, piece]) : piece;
      this.#tail = Buffer.alloc(0);
      this.#lines.push(line.toString("utf8"));
      this.received++;
      start = newline + 1;
    }
    if (start < chunk.length) this.#tail = Buffer.concat([this.#tail, chunk.subarray(start)]);
    this.#wake?.();
  }

  #finish(): void {
    this.eof = true;
    this.#wake?.();
  }

  /** Resolves on the next data or close, or rejects after `ms`. */
  #next(ms: number, what: string): Promise<void> {
    return within(new Promise<void>((resolve) => this.#wake = resolve), ms, what)
      .finally(() => this.#wake = undefined);
  }

  /** Writes raw bytes; resolves once they are handed to the kernel. */
  write(data: string | Uint8Array, ms = 2 * READ_TIMEOUT): Promise<void> {
    const written = new Promise<void>((resolve, reject) => {
      this.socket.write(data, (error) => error ? reject(error) : resolve());
    });
    return ms === Infinity ? written : within(written, ms, "a write to be taken");
  }

  /** Writes each piece as its own write, waiting for each to be handed over. */
  async writeEach(pieces: readonly (string | Uint8Array)[]): Promise<void> {
    for (const piece of pieces) await this.write(piece);
  }

  /** The next line, or `null` once the server has closed and all lines are read. */
  async readLine(ms = READ_TIMEOUT): Promise<string | null> {
    const deadline = performance.now() + ms;
    while (this.#lines.length === 0) {
      if (this.eof) return null;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`No line within ${ms} ms`);
      await this.#next(left, `no line within ${ms} ms`);
    }
    return this.#lines.shift()!;
  }

  /** The next line, failing if the connection closes first. */
  async line(ms = READ_TIMEOUT): Promise<string> {
    const line = await this.readLine(ms);
    if (line === null) {
      throw new Error(`Connection closed while a line was expected (${this.error ?? "no error"})`);
    }
    return line;
  }

  /** Every line until the server closes. */
  async rest(ms = READ_TIMEOUT): Promise<string[]> {
    const lines: string[] = [];
    for (let line = await this.readLine(ms); line !== null; line = await this.readLine(ms)) {
      lines.push(line);
    }
    return lines;
  }

  /** The next `n` lines. */
  async lines(n: number, ms = READ_TIMEOUT): Promise<string[]> {
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(await this.line(ms));
    return lines;
  }

  /** Resolves once the server has closed, failing if any line arrives first. */
  async expectClosed(ms = READ_TIMEOUT): Promise<void> {
    const line = await this.readLine(ms);
    assert.equal(line, null, "the connection should be closed with no more lines");
  }

  /** From now on, counts lines without keeping them (see `received`, `strayBytes`). */
  countOnly(): void {
    this.#keep = false;
    this.#lines = [];
  }

  /** Waits until `received` reaches `n`, as long as lines keep arriving within `ms`. */
  async waitReceived(n: number, ms = READ_TIMEOUT): Promise<void> {
    while (this.received < n) {
      if (this.eof) throw new Error(`Closed after ${this.received} of ${n} lines`);
      await this.#next(ms, `${this.received} of ${n} lines after ${ms} ms of silence`);
    }
  }

  /** Stops reading: the kernel buffers fill up and the server must wait. */
  pause(): void {
    this.socket.pause();
  }

  /** Reads again. */
  resume(): void {
    this.socket.resume();
  }

  /** Half-closes: sends FIN, keeps reading. */
  end(): void {
    this.socket.end();
  }

  /** Closes at once. */
  destroy(): void {
    this.socket.destroy();
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.socket.destroy();
    return Promise.resolve();
  }
}
