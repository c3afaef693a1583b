/**
 * The bound `maxPendingBytes` keeps: replies waiting for a peer that does not
 * read them stay within the limit and one line's reply, however much the
 * runtime hands over in one read (Bun up to 512 KiB, Node 64 KiB, Deno
 * 16 KiB, a web stream any size). tests/turns_test.ts holds the turns that
 * hand on what a connection did not take.
 *
 * Over TCP the server is the real one (`serve()`), with a probe between each
 * socket and its connection that sees every `write`, `pause`, `resume`,
 * `drain` and chunk. From what `write()` answers it keeps a bound on the
 * bytes the socket holds unwritten: `true` says fewer than the high-water
 * mark wait, `drain` says none do, and a `false` adds the write whole (the
 * kernel may have taken some of it). Its peak is what the test asserts, so
 * no sleep is needed.
 *
 * Runs unchanged under `node --test`, `bun test` and `deno test -A`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { test } from "node:test";
import { serve, serveConnection } from "../server.ts";
import { getRuntime } from "../_transport/detect.ts";
import {
  HIGH_WATER_MARK,
  type Runtime,
  type Socket,
  type SocketHandlers,
} from "../_transport/types.ts";
import { RUNTIME } from "./_helpers.ts";
import { HOST, RawClient, READ_TIMEOUT, within } from "./_raw_client.ts";

/** Every test's ceiling (Bun's default is 5 s); the waits inside have their own. */
const LIMIT = { timeout: 60_000 };
/** Each NUMBER is answered with this: 16 bytes of reply for 7 of request. */
const SECRET = "123456789012345";
/** NUMBER lines in a burst: 2.8 MB, answered with 6.4 MB, more than the kernel holds. */
const COUNT = 400_000;
const LF = 10;

/** A burst of `count` NUMBER lines in one game, each answered with `secret`. */
function burst(secret: string, count: number): string {
  return `PARAMS ${secret} ${secret}\nNUMBER\nREPORT Correct\n` + "NUMBER\n".repeat(count - 1);
}

/** One line's reply: `secret` and its line end. */
const REPLY = SECRET.length + 1;

/** One socket of the server, seen from between the adapter and the connection. */
class Probe implements Socket {
  /** The connection: what the adapter's events go on to. */
  owner!: SocketHandlers;
  /** What the adapter is told to call instead: they pass through the probe. */
  readonly handlers: SocketHandlers = {
    data: (bytes, length) => {
      if (this.#paused) this.dataWhilePaused++;
      this.largestChunk = Math.max(this.largestChunk, length);
      return this.owner.data(bytes, length);
    },
    drain: () => {
      this.waiting = 0;
      this.owner.drain();
    },
    end: () => this.owner.end(),
    close: (error) => this.owner.close(error),
  };
  /** The most bytes of replies that may wait in the socket now. */
  waiting = 0;
  /** The most `waiting` has been. */
  peak = 0;
  /** How often the connection paused the socket. */
  pauses = 0;
  /** Chunks handed to the connection while it had the socket paused. */
  dataWhilePaused = 0;
  /** The largest chunk handed to the connection. */
  largestChunk = 0;
  /** Settles at the first pause. */
  readonly firstPause: Promise<void>;
  #socket: Socket;
  #mark: number;
  #paused = false;
  #onFirstPause!: () => void;

  constructor(socket: Socket, mark: number) {
    this.#socket = socket;
    this.#mark = mark;
    this.firstPause = new Promise((resolve) => this.#onFirstPause = resolve);
  }

  get room(): number {
    return this.#socket.room;
  }

  write(data: string | Uint8Array): boolean {
    const ok = this.#socket.write(data);
    const bytes = typeof data === "string" ? Buffer.byteLength(data) : data.length;
    this.waiting = ok ? Math.min(this.waiting + bytes, this.#mark - 1) : this.waiting + bytes;
    this.peak = Math.max(this.peak, this.waiting);
    return ok;
  }

  pause(): void {
    this.#paused = true;
    this.pauses++;
    this.#socket.pause();
    this.#onFirstPause();
  }

  resume(): void {
    this.#paused = false;
    this.#socket.resume();
  }

  end(): void {
    this.#socket.end();
  }

  destroy(): void {
    this.#socket.destroy();
  }
}

/**
 * Runs `body` with the runtime's listeners putting a probe on every socket
 * they accept; `accepted` settles with the first.
 */
async function probed<T>(body: (accepted: Promise<Probe>) => Promise<T>): Promise<T> {
  const runtime: Runtime = await getRuntime();
  const listen = runtime.listen;
  let first!: (probe: Probe) => void;
  const accepted = new Promise<Probe>((resolve) => first = resolve);
  runtime.listen = (options, open) =>
    listen.call(runtime, options, (socket) => {
      const probe = new Probe(socket, options.highWaterMark!);
      probe.owner = open(probe);
      first(probe);
      return probe.handlers;
    });
  try {
    return await body(accepted);
  } finally {
    runtime.listen = listen;
  }
}

test(
  `maxPendingBytes 4096: a peer that sends ${COUNT} NUMBER lines in one write and reads nothing until the server pauses has at most 4096 bytes and one line's reply waiting; every reply arrives`,
  LIMIT,
  () =>
    probed(async (accepted) => {
      const limit = 4096;
      await using server = await serve({
        hostname: HOST,
        port: 0,
        quiet: true,
        maxPendingBytes: limit,
      });
      await using peer = await RawClient.connect(server.addr.port);
      peer.pause();
      peer.countOnly();
      const written = peer.write(burst(SECRET, COUNT), Infinity); // taken whole once the peer reads
      written.catch(() => {}); // awaited below
      const probe = await within(accepted, READ_TIMEOUT, "the server to accept");
      await within(probe.firstPause, 3 * READ_TIMEOUT, "the server to pause its reading");
      const atPause = probe.peak;
      peer.resume();
      await peer.waitReceived(COUNT);
      await within(written, READ_TIMEOUT, "the burst to be written");

      const bound = limit - 1 + REPLY;
      console.log(
        `pending on ${RUNTIME}: peak ${probe.peak} bytes (${atPause} at the first pause), ` +
          `bound ${bound}; largest chunk ${probe.largestChunk}; ${probe.pauses} pauses`,
      );
      assert.equal(peer.received, COUNT);
      assert.equal(peer.strayBytes, 0, "every reply is the number");
      assert.equal(probe.dataWhilePaused, 0, "nothing is handed on while the server has paused");
      assert.ok(
        probe.peak <= bound,
        `up to ${probe.peak} bytes of replies waited, over ${limit} and one line's ${REPLY}`,
      );
    }),
);

test(
  `serveConnection: one chunk of ${COUNT} NUMBER lines, to a stream whose writes settle one at a time, has at most 64 KiB and one line's reply waiting; every reply arrives`,
  LIMIT,
  async () => {
    // A write settles only after the next timer; meanwhile what the server
    // writes waits in its queue and becomes the next write, whole. So what
    // waits at most is the largest sum of two writes in a row.
    const sizes: number[] = [];
    let lines = 0;
    let stray = 0;
    await within(
      serveConnection({
        readable: ReadableStream.from([new TextEncoder().encode(burst(SECRET, COUNT))]),
        writable: new WritableStream({
          write(chunk) {
            sizes.push(chunk.length);
            for (const byte of chunk) {
              if (byte === LF) lines++;
              else if (byte < 48 || byte > 57) stray++;
            }
            return new Promise((resolve) => setTimeout(resolve, 0));
          },
        }),
      }, { quiet: true }),
      6 * READ_TIMEOUT,
      "the connection to be served",
    );
    let peak = 0;
    for (let i = 0; i < sizes.length; i++) peak = Math.max(peak, sizes[i] + (sizes[i + 1] ?? 0));
    const bound = HIGH_WATER_MARK - 1 + REPLY;
    console.log(`pending over streams on ${RUNTIME}: peak ${peak} bytes, bound ${bound}`);
    assert.equal(lines, COUNT);
    assert.equal(stray, 0, "every reply is the number");
    assert.ok(peak <= bound, `${peak} bytes of replies waited, over ${bound}`);
  },
);
