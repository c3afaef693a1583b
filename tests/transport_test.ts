/**
 * The runtime adapters under the server, over real loopback sockets: the
 * listener keeps accepting after peers that reset before they are accepted;
 * a peer that floods the server before it reads gets every reply, whatever
 * `maxPendingBytes`, and the server lets that many bytes of replies wait;
 * and a listener that fails after binding rejects instead of throwing.
 *
 * Runs unchanged under `node --test`, `bun test` and `deno test -A`. The
 * peers are `node:net`, which all three runtimes have; every wait has a
 * timeout, so no test can hang.
 *
 * @module
 */

import assert from "node:assert/strict";
import { connect as netConnect, Server as NetServer } from "node:net";
import { describe, test } from "node:test";
import { serve, type ServeOptions, type Server } from "../server.ts";
import { runtime as nodeRuntime } from "../_transport/node.ts";
import { Running, RUNTIME, runtimeCommand } from "./_helpers.ts";
import { HOST, RawClient, READ_TIMEOUT, within } from "./_raw_client.ts";

/** Every test's ceiling (Bun's default is 5 s); the waits inside have their own. */
const LIMIT = { timeout: 60_000 };
const GAME = "PARAMS 1 10\n";

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Starts a quiet server on a free loopback port. */
function start(options: ServeOptions = {}): Promise<Server> {
  return serve({ hostname: HOST, port: 0, quiet: true, ...options });
}

/** Asserts `line` is a decimal integer in `lower..upper`. */
function assertNumber(line: string, lower: bigint, upper: bigint): void {
  assert.match(line, /^-?[0-9]+$/, `expected a number, got ${JSON.stringify(line)}`);
  const value = BigInt(line);
  assert.ok(value >= lower && value <= upper, `${value} is outside ${lower}..${upper}`);
}

// ---------------------------------------------------------------------------
// Accepting

/**
 * A peer that connects, sends a game and a NUMBER, and resets the connection
 * (SO_LINGER 0) at once: often before the server has accepted it.
 */
function resetPeer(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: HOST, port });
    socket.on("error", () => {}); // a refused or reset connection: it closes all the same
    socket.on("close", () => resolve());
    socket.on("connect", () => {
      socket.write(GAME + "NUMBER\n");
      socket.resetAndDestroy();
    });
  });
}

describe("accepting", () => {
  test(
    "after 400 peers that connect, send a line and reset, a new peer is answered within 2 s",
    LIMIT,
    async () => {
      // The server runs in a process of its own: in this one it would accept
      // every peer before the peer's reset arrived, and never meet one gone.
      const [command, args] = runtimeCommand("server.ts", ["--port", "0", "--quiet"]);
      await using server = new Running(command, args);
      const port = await server.port();
      for (let batch = 0; batch < 4; batch++) {
        const peers = Array.from({ length: 100 }, () => resetPeer(port));
        await within(Promise.all(peers), 2 * READ_TIMEOUT, "100 peers to connect and reset");
      }
      await using client = await RawClient.connect(port);
      await client.write(GAME + "NUMBER\n");
      assertNumber(await client.line(2_000), 1n, 10n);
    },
  );
});

// ---------------------------------------------------------------------------
// Backpressure

/**
 * How a flood is written. `sparse`: every NUMBER in its own one-number game,
 * two bytes of request for every byte of reply, so that no chunk the server
 * reads is answered with as much as Node's own 64 KiB high-water mark.
 * `dense`: one game, then `NUMBER` and `REPORT` lines of 22 bytes that are
 * each answered with 1001, so that one chunk's replies (megabytes) take the
 * kernel several turns to accept.
 */
type Shape = "sparse" | "dense";

/** A flood of `count` NUMBERs, each answered with a `digits`-digit number. */
interface Flood {
  readonly shape: Shape;
  readonly count: number;
  readonly digits: number;
}

function floodText({ shape, count, digits }: Flood): string {
  const secret = 10n ** BigInt(digits - 1);
  const unit = "NUMBER\nREPORT Correct\n";
  return shape === "dense"
    ? `PARAMS ${secret} ${secret}\n` + unit.repeat(count)
    : `PARAMS ${secret} ${secret}\n${unit}`.repeat(count);
}

/**
 * Floods a server started with `maxPendingBytes: limit` before reading any
 * reply; once the server has stopped answering, reads. Asserts every reply
 * arrives, and returns how many the server had answered before it stopped.
 */
async function flood(limit: number, flood: Flood): Promise<number> {
  const count = flood.count;
  let answered = 0;
  let allAnswered!: () => void;
  const all = new Promise<void>((resolve) => allAnswered = resolve);
  await using server = await start({
    maxPendingBytes: limit,
    maxLineBytes: 2 * flood.digits + 16,
    quiet: false,
    log: () => void (++answered === count && allAnswered()),
  });
  await using peer = await RawClient.connect(server.addr.port);
  peer.pause();
  peer.countOnly();
  const written = peer.write(floodText(flood), Infinity); // awaited once the peer reads
  written.catch(() => {}); // awaited below
  // The server has stopped once the count has stood still for half a second.
  let last = -1;
  let still = 0;
  const deadline = performance.now() + 30_000;
  while (still < 25 && performance.now() < deadline) {
    await delay(20);
    still = answered > 0 && answered === last ? still + 1 : 0;
    last = answered;
  }
  const stopped = answered;
  assert.ok(stopped > 0, "the server answered nothing");
  assert.ok(
    stopped < count,
    `the server answered all ${count} NUMBERs of a peer that read none: it never paused`,
  );
  peer.resume();
  await peer.waitReceived(count);
  await within(written, READ_TIMEOUT, "the flood to be written");
  assert.equal(peer.received, count);
  assert.equal(peer.strayBytes, 0, "every reply is the number");
  // A last REPORT may wait for a turn of its own after the last reply.
  await within(all, READ_TIMEOUT, `every REPORT to be answered (${answered} of ${count})`);
  return stopped;
}

describe("backpressure", () => {
  const sparse: Flood = { shape: "sparse", count: 8_000, digits: 1000 };
  const cases: readonly { limit: number; flood: Flood }[] = [
    { limit: 1024, flood: sparse },
    // A limit over the most the kernel takes in one turn (about 4 MB here),
    // and chunks whose replies are more than that.
    { limit: 8 * 2 ** 20, flood: { shape: "dense", count: 10_000, digits: 4000 } },
  ];
  for (const { limit, flood: f } of cases) {
    test(
      `maxPendingBytes ${limit}: a peer that sends ${f.count} NUMBERs (${f.shape}, ${
        f.digits + 1
      }-byte replies) before reading gets every reply`,
      LIMIT,
      async () => void await flood(limit, f),
    );
  }

  // How many replies wait is what the kernel took plus what the server
  // queued, so the read-ahead is compared only where the kernel takes the
  // same from one connection to the next.
  const unlike = RUNTIME === "deno"
    ? "Deno reads on only once its replies are written, whatever the limit"
    : RUNTIME === "bun"
    ? "what Bun's sockets hand the kernel varies by more than 150 kB between connections"
    : undefined;
  test(
    `maxPendingBytes 100 and 200000: a peer that floods before reading gets every reply; ${
      unlike === undefined
        ? "with 200000 over 150 kB more replies wait than with 100"
        : `(read-ahead not compared: ${unlike})`
    }`,
    LIMIT,
    async () => {
      const small = await flood(100, sparse);
      const large = await flood(200_000, sparse);
      if (unlike !== undefined) return;
      const more = (large - small) * (sparse.digits + 1);
      assert.ok(more > 150_000, `only ${more} bytes more replies waited with 200000 than with 100`);
    },
  );
});

// ---------------------------------------------------------------------------
// Listening

describe("listening", () => {
  test(
    "the node:net adapter's listen() rejects when the bound address is not TCP, and lets go of it",
    LIMIT,
    async () => {
      // What `address()` reports for a pipe, in place of the real address.
      const address = NetServer.prototype.address;
      let port = 0;
      NetServer.prototype.address = function (this: NetServer) {
        const real = address.call(this);
        if (real !== null && typeof real !== "string") port = real.port;
        return "/tmp/warmer-colder.sock";
      };
      try {
        const open = () => ({ data() {}, drain() {}, end() {}, close() {} });
        const listening = nodeRuntime.listen({ hostname: HOST, port: 0 }, open);
        await assert.rejects(within(listening, READ_TIMEOUT, "listen() to settle"), TypeError);
      } finally {
        NetServer.prototype.address = address;
      }
      assert.ok(port > 0, "the listener was bound");
      await assert.rejects(RawClient.connect(port), "the listener is closed");
    },
  );
});
