/**
 * The write queue that the Deno, Bun and web-stream adapters share, on a
 * fake transport: whatever a send takes at once, or writes in part when its
 * promise settles, every byte goes out once and in order; `drain` is told
 * once the queue has emptied after `write()` said `false`; `end()` finishes
 * only after the last byte.
 *
 * Runs unchanged under `node --test`, `bun test` and `deno test -A`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { WriteQueue } from "../_transport/write_queue.ts";
import type { SocketHandlers } from "../_transport/types.ts";

/** How the fake transport takes a send. */
type Take =
  | { kind: "number"; most: number }
  | { kind: "text"; most: number }
  | { kind: "promise"; most: number }
  | { kind: "late"; most: number }
  | { kind: "whole" };

/** A queue over a transport that takes at most `most` bytes a send. */
class FakeQueue extends WriteQueue {
  readonly out: number[] = [];
  readonly events: string[] = [];
  /** Sends of the start of the scratch buffer (not the rest of a partial write from it). */
  fromScratch = 0;
  #take: Take;
  #scratch = new Uint8Array(8);

  constructor(take: Take, highWaterMark: number) {
    super(highWaterMark);
    this.#take = take;
    const handlers: SocketHandlers = {
      data: () => {},
      end: () => {},
      drain: () => void this.events.push("drain"),
      close: () => {},
    };
    this.handlers = handlers;
  }

  protected override get takesText(): boolean {
    return this.#take.kind === "text";
  }

  /** Takes text as Bun's write() does: at most `most` of its UTF-8 bytes. */
  protected override sendText(text: string): number {
    return this.send(new TextEncoder().encode(text)) as number;
  }

  /** A scratch buffer, for the transport that reads a send's bytes only as it settles. */
  protected override get scratch(): Uint8Array | undefined {
    return this.#take.kind === "late" ? this.#scratch : undefined;
  }

  protected send(bytes: Uint8Array): number | Promise<number | void> {
    const take = this.#take;
    if (take.kind === "late") {
      // As Deno's write may: the bytes are read when the write happens, not
      // when it is asked for, so a scratch buffer reused too soon shows here.
      if (bytes.buffer === this.#scratch.buffer && bytes.byteOffset === 0) this.fromScratch++;
      return new Promise<number>((resolve) =>
        setTimeout(() => {
          const n = Math.min(take.most, bytes.length);
          this.out.push(...bytes.subarray(0, n));
          resolve(n);
        }, 0)
      );
    }
    if (take.kind === "whole") {
      const copy = [...bytes];
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          this.out.push(...copy);
          resolve();
        }, 0)
      );
    }
    const n = Math.min(take.most, bytes.length);
    const taken = [...bytes.subarray(0, n)];
    if (take.kind === "number" || take.kind === "text") {
      this.out.push(...taken);
      // The transport asks again at once, as Bun's drain would, later.
      if (n < bytes.length) setTimeout(() => this.writable(), 0);
      return n;
    }
    return new Promise<number>((resolve) =>
      setTimeout(() => {
        this.out.push(...taken);
        resolve(n);
      }, 0)
    );
  }

  protected finish(): void {
    this.events.push(`finish after ${this.out.length}`);
  }

  pause(): void {}
  resume(): void {}
  destroy(): void {}
}

async function until(what: () => boolean, queue: FakeQueue): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!what()) {
    if (Date.now() > deadline) assert.fail(`${queue.out.length} bytes out, events ${queue.events}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

describe("write queue", () => {
  const takes: readonly Take[] = [
    { kind: "number", most: 3 },
    { kind: "text", most: 3 },
    { kind: "text", most: 1000 },
    { kind: "promise", most: 3 },
    { kind: "promise", most: 1 },
    { kind: "late", most: 3 },
    { kind: "late", most: 1000 },
    { kind: "whole" },
  ];
  // "맞음\n" has 3 UTF-16 units and 7 bytes: a send that takes 3 of them
  // must not count it as all.
  const chunks = ["12\n", "맞음\n", "6789\n", "ERROR bye\n"];
  const all = chunks.join("");
  const BYTES = new TextEncoder().encode(all).length;
  for (const take of takes) {
    const name = take.kind === "whole"
      ? "a send's promise that writes it whole"
      : `${
        take.kind === "number"
          ? "a send that takes"
          : take.kind === "text"
          ? "a send of text that takes"
          : take.kind === "late"
          ? "a send from a scratch buffer, read as it settles, that writes"
          : "a send's promise that writes"
      } ${take.most} byte(s) at most`;
    if (take.kind === "text" && take.most >= BYTES) {
      test(`${name}: every write taken whole at once, nothing waits, no drain`, () => {
        const queue = new FakeQueue(take, 8);
        assert.deepEqual(chunks.map((chunk) => queue.write(chunk)), chunks.map(() => true));
        assert.equal(new TextDecoder().decode(new Uint8Array(queue.out)), all);
        queue.end();
        assert.deepEqual(queue.events, [`finish after ${BYTES}`]);
      });
      continue;
    }
    test(`${name}: every byte once and in order, then drain once`, async () => {
      const queue = new FakeQueue(take, 8);
      // However much the transport took at once, the last write reaches the mark of 8.
      const accepted = chunks.map((chunk) => queue.write(chunk));
      assert.deepEqual([accepted[0], accepted.at(-1)], [true, false]);
      await until(() => queue.events.length > 0, queue);
      assert.equal(new TextDecoder().decode(new Uint8Array(queue.out)), all);
      assert.deepEqual(queue.events, ["drain"]);
      queue.end();
      assert.deepEqual(queue.events, ["drain", `finish after ${BYTES}`]);
    });
    test(`${name}: end() with bytes waiting finishes after the last`, async () => {
      const queue = new FakeQueue(take, 1024);
      for (const chunk of chunks) assert.equal(queue.write(chunk), true);
      queue.end();
      assert.equal(queue.write("late\n"), false, "a write after end() is refused");
      await until(() => queue.events.length > 0, queue);
      assert.equal(new TextDecoder().decode(new Uint8Array(queue.out)), all);
      assert.deepEqual(queue.events, [`finish after ${BYTES}`]);
    });
  }

  test("a scratch buffer is reused only once its send has settled, and only for ASCII that fits", async () => {
    const queue = new FakeQueue({ kind: "late", most: 2 }, 1024);
    const written: string[] = [];
    const write = (text: string) => {
      written.push(text);
      assert.equal(queue.write(text), true);
    };
    const out = () => new TextDecoder().decode(new Uint8Array(queue.out));
    // In flight from the scratch, partly written, while two more wait.
    write("123\n");
    write("45\n");
    write("6\n");
    await until(() => out() === written.join(""), queue);
    // One at a time: each from the scratch again, over the last one's bytes.
    for (const text of ["7\n", "890\n", "12345678", "123456789\n", "맞음\n", "1\n"]) {
      write(text);
      await until(() => out() === written.join(""), queue);
    }
    // "123\n", "7\n", "890\n", "12345678" and "1\n": not the nine bytes and their
    // "\n", nor the Korean, nor those written while one was in flight.
    assert.equal(queue.fromScratch, 5);
  });
});
