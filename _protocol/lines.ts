/**
 * Line splitting on bytes, before decoding. The splitter is synchronous and
 * allocates nothing for a line that lies whole inside one chunk, so a server's
 * hot path can feed it socket chunks directly; `LineStream` in protocol.ts puts
 * the same splitter behind a web `TransformStream`.
 *
 * @module
 */

const LF = 10;
const CR = 13;

/** Where {@linkcode LineSplitter} delivers what it finds. */
export interface LineSink {
  /**
   * One complete line, terminator removed: `bytes[start..end)`. The bytes are
   * only valid during the call. Returning `false` stops the chunk after this
   * line: `push` then returns where it stopped.
   */
  line(bytes: Uint8Array, start: number, end: number): boolean | void;
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

  /**
   * Feeds one chunk, its first `length` bytes (all, by default); calls the
   * sink for every line it completes, until its `line` returns `false`.
   * Returns how many bytes it took: `length`, or the end of the line the sink
   * stopped at (the rest is untouched, to be pushed again).
   */
  push(chunk: Uint8Array, sink: LineSink, length: number = chunk.length): number {
    let start = 0;
    while (start < length) {
      // A loop in JavaScript, not `indexOf`: that is a call into C++ on V8
      // (Deno, Node), dearer than scanning the few bytes of a line here.
      let newline = start;
      while (newline < length && chunk[newline] !== LF) newline++;
      if (newline === length) {
        this.#keep(chunk, start, length, sink);
        return length;
      }
      let more: boolean | void = true;
      if (this.#discarding) {
        this.#discarding = false;
      } else if (this.#carried === 0) {
        more = this.#emit(chunk, start, newline, sink);
      } else if (this.#carried + newline - start > this.#max + 1) {
        this.#carried = 0;
        sink.tooLong();
      } else {
        this.#append(chunk, start, newline);
        const carried = this.#carried;
        this.#carried = 0;
        more = this.#emit(this.#carry!, 0, carried, sink);
      }
      start = newline + 1;
      if (more === false) return start;
    }
    return length;
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

  #emit(bytes: Uint8Array, start: number, end: number, sink: LineSink): boolean | void {
    if (end > start && bytes[end - 1] === CR) end--;
    if (end - start > this.#max) sink.tooLong();
    else return sink.line(bytes, start, end);
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
