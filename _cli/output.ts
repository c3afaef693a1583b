/**
 * The programs' standard output and standard error, which go quiet once they
 * cannot be written. When a reader goes away (`server.ts | head -1`, a
 * closed terminal, a log shipper that restarts), the next write fails with
 * EPIPE: `process.stdout.write` reports it on every runtime as an `error`
 * event which, unheard, ends the process with exit code 1, and every game in
 * it; so does Node's `console.log` (Deno 2.9's and Bun 1.4's drop the line,
 * silently).
 * An {@linkcode Output} hears it: from then on it drops what it is given, and
 * says so once, to {@linkcode Output.onClose}.
 *
 * Every line the programs print goes through {@linkcode stdout} or
 * {@linkcode stderr}.
 *
 * @module
 */

import process from "node:process";

/** What an {@linkcode Output} writes to: `process.stdout` or `process.stderr`. */
export interface WritableOutput {
  write(text: string, callback: (error?: Error | null) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
}

/** A stream of text that, once a write to it fails, drops what it is given. */
export class Output {
  #stream: WritableOutput;
  #watched = false;
  #error: Error | undefined;
  #onClose: ((error: Error) => void)[] = [];
  #pending = 0;
  #settled: (() => void)[] = [];
  // One callback for every write: no closure a line.
  #written = (error?: Error | null) => {
    if (error) this.#close(error);
    if (--this.#pending === 0) this.#wake();
  };

  /** @param stream Where the text goes. */
  constructor(stream: WritableOutput) {
    this.#stream = stream;
  }

  /** Whether it is still written to: `false` once a write has failed. */
  get open(): boolean {
    return this.#error === undefined;
  }

  /** Writes `text`, or nothing once closed. Never throws. */
  write(text: string): void {
    if (this.#error !== undefined) return;
    this.#watch();
    this.#pending++;
    try {
      this.#stream.write(text, this.#written);
    } catch (error) {
      this.#pending--;
      this.#close(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Writes `text` and a newline, or nothing once closed. Never throws. */
  line(text: string): void {
    this.write(text + "\n");
  }

  /**
   * Calls `listener` once, with the error, when a write first fails; at once
   * when one already has.
   */
  onClose(listener: (error: Error) => void): void {
    this.#watch();
    if (this.#error === undefined) this.#onClose.push(listener);
    else listener(this.#error);
  }

  /** Settles once every write so far has been written or has failed: then check {@linkcode Output.open}. */
  settled(): Promise<void> {
    if (this.#pending === 0 || this.#error !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.#settled.push(resolve));
  }

  /** Hears the stream's errors, from the first use on: none then ends the process. */
  #watch(): void {
    if (this.#watched) return;
    this.#watched = true;
    this.#stream.on("error", (error) => this.#close(error));
  }

  #close(error: Error): void {
    if (this.#error !== undefined) return;
    this.#error = error;
    for (const listener of this.#onClose.splice(0)) listener(error);
    this.#wake();
  }

  #wake(): void {
    for (const resolve of this.#settled.splice(0)) resolve();
  }
}

/** Why a write failed, in a word: the error's code (`EPIPE`), else its name. */
export function reason(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : error.name;
}

/** This process's standard output. */
export const stdout: Output = new Output(process.stdout);

/** This process's standard error. */
export const stderr: Output = new Output(process.stderr);
