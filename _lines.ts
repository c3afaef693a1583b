/**
 * Line splitting on bytes, before decoding. The splitter is synchronous and
 * allocates nothing for a line that lies whole inside one chunk, so a server's
 * hot path can feed it socket chunks directly; {@linkcode LineStream} puts the
 * same splitter behind a web `TransformStream`.
 *
 * With `@std/streams` the usual pipeline is
 * `readable.pipeThrough(new TextDecoderStream()).pipeThrough(new TextLineStream())`.
 * `TextLineStream` is where this module's `LineStream` stands: it splits on
 * strings and has no length limit, so a peer that never sends `\n` makes it
 * buffer without end. Splitting on bytes first bounds each line, and decoding
 * one whole line at a time means a character split across chunks is never cut.
 *
 * @module
 */

const LF = 10;
const CR = 13;

/** Where {@linkcode LineSplitter} delivers what it finds. */
export interface LineSink {
  /**
   * One complete line, terminator removed: `bytes[start..end)`. The bytes are
   * only valid during the call.
   */
  line(bytes: Uint8Array, start: number, end: number): void;
  /** A line passed the limit. Its bytes up to the next `\n` are dropped. */
  tooLong(): void;
}

/** Splits a byte stream into lines at `\n`, dropping a `\r` before it. */
export class LineSplitter {
  #max: number;
  #carry: Uint8Array | undefined;
  #carried = 0;
  #discarding = false;

  /**
   * Makes a splitter.
   *
   * @param maxLineBytes The most bytes a line may have, terminator not counted.
   */
  constructor(maxLineBytes: number) {
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < 1) {
      throw new RangeError(
        `Cannot split lines: maxLineBytes must be a positive integer, got ${maxLineBytes}`,
      );
    }
    this.#max = maxLineBytes;
  }

  /** Feeds one chunk; calls the sink for every line it completes. */
  push(chunk: Uint8Array, sink: LineSink): void {
    let start = 0;
    const length = chunk.length;
    while (start < length) {
      const newline = chunk.indexOf(LF, start);
      if (newline === -1) {
        this.#keep(chunk, start, length, sink);
        return;
      }
      if (this.#discarding) {
        this.#discarding = false;
      } else if (this.#carried === 0) {
        this.#emit(chunk, start, newline, sink);
      } else if (this.#carried + newline - start > this.#max + 1) {
        this.#carried = 0;
        sink.tooLong();
      } else {
        this.#append(chunk, start, newline);
        const carried = this.#carried;
        this.#carried = 0;
        this.#emit(this.#carry!, 0, carried, sink);
      }
      start = newline + 1;
    }
  }

  /** Ends the input: a last line with no `\n` is delivered as a line. */
  end(sink: LineSink): void {
    if (this.#carried > 0 && !this.#discarding) {
      const carried = this.#carried;
      this.#carried = 0;
      this.#emit(this.#carry!, 0, carried, sink);
    }
    this.#carried = 0;
    this.#discarding = false;
  }

  #emit(bytes: Uint8Array, start: number, end: number, sink: LineSink): void {
    if (end > start && bytes[end - 1] === CR) end--;
    if (end - start > this.#max) sink.tooLong();
    else sink.line(bytes, start, end);
  }

  #keep(chunk: Uint8Array, start: number, end: number, sink: LineSink): void {
    if (this.#discarding) return;
    // One byte over the limit may still be the `\r` of a `\r\n`.
    if (this.#carried + end - start > this.#max + 1) {
      this.#carried = 0;
      this.#discarding = true;
      sink.tooLong();
      return;
    }
    this.#append(chunk, start, end);
  }

  #append(chunk: Uint8Array, start: number, end: number): void {
    const needed = this.#carried + end - start;
    if (this.#carry === undefined || this.#carry.length < needed) {
      let size = Math.max(64, this.#carry?.length ?? 0);
      while (size < needed) size *= 2;
      const grown = new Uint8Array(Math.min(size, this.#max + 1));
      if (this.#carry !== undefined) grown.set(this.#carry.subarray(0, this.#carried));
      this.#carry = grown;
    }
    this.#carry.set(chunk.subarray(start, end), this.#carried);
    this.#carried = needed;
  }
}

/** Options of {@linkcode LineStream} and {@linkcode readLines}. */
export interface LineStreamOptions {
  /**
   * The most bytes a line may have, its terminator not counted. A longer line
   * errors the stream with a `RangeError` instead of being buffered.
   *
   * @default {4096}
   */
  maxLineBytes?: number;
}

/**
 * Splits UTF-8 bytes into lines: accepts `\n` and `\r\n`, delivers a last line
 * that has no terminator, and errors with a `RangeError` on a line over the
 * limit or a `TypeError` on bytes that are not UTF-8.
 *
 * @example Lines from chunks that cut a character in two
 * ```ts
 * import { LineStream } from "@warmer-colder/warmer-colder/protocol";
 * import assert from "node:assert/strict";
 *
 * const bytes = new TextEncoder().encode("caf\u00e9\r\nNUMBER\n");
 * const lines = ReadableStream.from([bytes.subarray(0, 4), bytes.subarray(4)])
 *   .pipeThrough(new LineStream());
 * assert.deepEqual(await Array.fromAsync(lines), ["caf\u00e9", "NUMBER"]);
 * ```
 */
export class LineStream extends TransformStream<Uint8Array, string> {
  /**
   * Makes a line splitter.
   *
   * @param options The line limit.
   */
  constructor(options: LineStreamOptions = {}) {
    const max = options.maxLineBytes ?? 4096;
    const splitter = new LineSplitter(max);
    const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    let controller!: TransformStreamDefaultController<string>;
    const sink: LineSink = {
      line(bytes, start, end) {
        controller.enqueue(decoder.decode(bytes.subarray(start, end)));
      },
      tooLong() {
        throw new RangeError(`Cannot read line: longer than ${max} bytes`);
      },
    };
    super({
      start(c) {
        controller = c;
      },
      transform(chunk) {
        splitter.push(chunk, sink);
      },
      flush() {
        splitter.end(sink);
      },
    });
  }
}

/**
 * Reads a byte stream as lines, one at a time.
 *
 * @param readable The bytes.
 * @param options The line limit.
 * @returns The lines, without terminators.
 *
 * @example
 * ```ts
 * import { readLines } from "@warmer-colder/warmer-colder/protocol";
 * import assert from "node:assert/strict";
 *
 * const readable = ReadableStream.from([new TextEncoder().encode("1\n2\n")]);
 * const lines: string[] = [];
 * for await (const line of readLines(readable)) lines.push(line);
 * assert.deepEqual(lines, ["1", "2"]);
 * ```
 */
export function readLines(
  readable: ReadableStream<Uint8Array>,
  options?: LineStreamOptions,
): ReadableStream<string> {
  return readable.pipeThrough(new LineStream(options));
}
