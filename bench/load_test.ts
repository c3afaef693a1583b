/**
 * Tests of the benchmark: the C load generator (bench/load.c, built with `cc`;
 * skipped without one) in its three modes against tiny in-test servers, honest,
 * stalling and wrong, and against the bare server, in plaintext and over TLS
 * (with certificates from `openssl`; skipped without it); over WebSocket against
 * a tiny WebSocket server and our server's web port; the C ceiling; the runner
 * without a compiler; the histograms' percentiles; the chart. Runs under
 * `node --test`, `deno test -A` and `bun test`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT, run, Running, RUNTIME, runtimeCommand, titled } from "../tests/_helpers.ts";
import { makeCertificates, opensslSkip } from "../tests/_tls.ts";
import { serve } from "../server.ts";
import { buildC } from "./build_c.ts";
import { chart } from "./chart.ts";
import { flood } from "./flood.ts";
import { type HistogramJson, percentile } from "./report.ts";

test("percentile() reads merged histograms by rank, whatever their order", () => {
  const a: HistogramJson = { max: 12, buckets: [[10, 50]] };
  const b: HistogramJson = { max: 310, buckets: [[20, 49], [300, 1]] };
  for (const histograms of [[a, b], [b, a]]) {
    const at = [0, 50, 51, 99, 100].map((p) => percentile(histograms, p));
    assert.deepEqual(at, [10, 10, 20, 20, 300]);
  }
  assert.ok(Number.isNaN(percentile([{ max: 0, buckets: [] }], 50)));
});

test("chart() draws a bar per server and concurrency, to scale, with a legend and axes", () => {
  const svg = chart([
    { server: "deno", connections: 1, roundTripsPerS: 30_000 },
    { server: "a&b <c>", connections: 1, roundTripsPerS: 15_000 },
    { server: "deno", connections: 50, roundTripsPerS: 120_000 },
    { server: "a&b <c>", connections: 50, roundTripsPerS: 60_000 },
    { server: "deno", connections: 1000, roundTripsPerS: NaN }, // failed: no bar
  ]);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" [^>]*>\n[^]*<\/svg>\n$/);
  const bar = /<rect class="bar" x="(.+?)" y="(.+?)" width="(.+?)" height="(.+?)"/g;
  const bars = [...svg.matchAll(bar)].map((m) => m.slice(1).map(Number));
  assert.equal(bars.length, 4);
  const [x, y, width, height] = [0, 1, 2, 3].map((i) => bars.map((bar) => bar[i]));
  assert.deepEqual(height.map((h) => +(h / height[0]).toFixed(2)), [1, 0.5, 4, 2]);
  const bottom = y.map((top, i) => Math.round(top + height[i]));
  assert.ok(bottom.every((b) => b === bottom[0]), "one baseline");
  assert.ok(x.every((left, i) => i === 0 || left >= x[i - 1] + width[i - 1]), "side by side");
  assert.equal(svg.match(/class="key"/g)?.length, 2);
  assert.ok(svg.includes(">a&#38;b &#60;c&#62;</text>") && !svg.includes("a&b"));
  const labels = [
    "round trips / s",
    "concurrent connections",
    ">1 connection<",
    ">50 connections<",
  ];
  for (const label of labels.concat(">1000 connections<")) assert.ok(svg.includes(label), label);
});

// ------------------------------------------------ the C generator (bench/load.c)

interface State {
  numbers: number;
  lower: number;
  upper: number;
  game: number[];
}

/**
 * Serves each connection with `answer(line, state)`, one write per chunk, until
 * disposed; `accepted()` counts the connections so far.
 */
async function tinyServer(answer: (line: string, state: State) => string) {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket.setNoDelay(true));
    const state: State = { numbers: 0, lower: 0, upper: -1, game: [] };
    let rest = "";
    socket.on("data", (chunk: Buffer) => {
      const lines = (rest + chunk.toString("latin1")).split("\n");
      rest = lines.pop()!;
      const out = lines.map((line) => answer(line, state)).join("");
      if (out !== "") socket.write(Buffer.from(out, "latin1"));
    });
    socket.on("error", () => {}).on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: "127.0.0.1" }, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    accepted: () => accepted,
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** An honest server: distinct numbers in the game's range. */
function honest(line: string, state: State): string {
  const params = /^PARAMS (-?\d+) (-?\d+)$/.exec(line);
  if (params) [state.lower, state.upper, state.game] = [+params[1], +params[2], []];
  if (line !== "NUMBER") return "";
  let n;
  do n = state.lower + Math.floor(Math.random() * (state.upper - state.lower + 1)); while (
    state.game.includes(n)
  );
  state.game.push(n);
  return `${n}\n`;
}

/** Answers three `NUMBER`s on each connection, then never again. */
function stalling(line: string, state: State): string {
  if (line !== "NUMBER" || state.numbers >= 3) return "";
  return `${++state.numbers}\n`;
}

/**
 * A wrong server: a repeat, an out-of-range number, junk (UTF-8 "é", then a byte
 * that is no UTF-8), an ERROR line, over and over; CRLF line ends.
 */
function wrong(line: string, state: State): string {
  if (line !== "NUMBER") return "";
  const replies = ["7", "7", "101", 'a"b\\c\t\xc3\xa9\xff', "ERROR oops", "-0"];
  return `${replies[state.numbers++ % replies.length]}\r\n`;
}

const built = buildC("load");
const skipC = built.ok ? false : `C load generator not built: ${built.error}`;
const quick = ["--duration", "0.6", "--warmup", "0.2"];

/** The generator's JSON: whatever bench/load.c prints. */
// deno-lint-ignore no-explicit-any
type Json = any;

/** Runs the C generator to its end with `args`; returns its JSON lines. */
async function load(port: number, args: string[]): Promise<Json[]> {
  assert.ok(built.ok);
  const ran = await run(built.path, ["--port", String(port), ...args], 20_000);
  assert.equal(ran.code, 0, ran.stderr);
  return ran.stdout.trim().split("\n").map((line) => JSON.parse(line));
}

/** A test of the C generator, skipped (saying why) when it did not build. */
const cTest = (name: string, fn: () => Promise<void>) =>
  test(titled(name, skipC), { skip: skipC }, fn);

/** The round trips the histogram holds. */
const counted = (result: Json) =>
  (result.histogram as HistogramJson).buckets.reduce((a, [, n]) => a + n, 0);

cTest("the C generator plays clean games, every connection answered", async () => {
  assert.ok(built.ok);
  assert.equal(built.warnings, "", "load.c must compile without warnings");
  await using server = await tinyServer(honest);
  const [phase, result] = await load(server.port, ["--connections", "20", ...quick]);
  assert.deepEqual(phase, { phase: "measuring" });
  assert.equal(result.mode, "throughput");
  assert.deepEqual([result.connected, result.answered], [20, 20]);
  assert.ok(result.roundTrips > 0 && result.games > 0, JSON.stringify(result).slice(0, 300));
  assert.equal(result.violations.total, 0, JSON.stringify(result.violations));
  assert.equal(result.socketErrors + result.closedEarly, 0);
  assert.equal(result.unanswered, 20, "each client has one round trip in flight at the end");
  assert.equal(counted(result), result.roundTrips + result.unanswered);
  const [p50, p99] = [50, 99].map((p) => percentile([result.histogram], p));
  assert.ok(p50 > 0 && p99 >= p50 && result.cpuPercent > 0);
});

cTest("the C generator times a stalled round trip by its age when the window closes", async () => {
  await using server = await tinyServer(stalling);
  const [, result] = await load(server.port, ["--connections", "4", ...quick]);
  assert.equal(result.roundTrips, 0, "every connection stalled during the warm-up");
  assert.equal(result.unanswered, 4);
  // Stalled since the warm-up (0.2 s) at the latest, so older than the 0.6 s window.
  assert.ok(percentile([result.histogram], 50) >= 600_000, JSON.stringify(result.histogram));
  assert.ok(result.histogram.max >= 600_000);
});

cTest("the C generator counts a wrong server's violations, with samples", async () => {
  await using server = await tinyServer(wrong);
  const [, { violations: v }] = await load(server.port, ["--connections", "1", ...quick]);
  for (const kind of ["repeated", "outOfRange", "notInteger", "errorReply"]) {
    assert.ok(v[kind] > 0, `${kind}: ${JSON.stringify(v)}`);
  }
  assert.equal(v.unsolicited, 0);
  assert.equal(v.total, v.repeated + v.outOfRange + v.notInteger + v.errorReply);
  // "-0" is out of range too. Per six replies: one repeat (none if 7 was the secret),
  // two out of range, one not an integer, one ERROR.
  assert.ok(v.outOfRange >= 2 * v.notInteger - 2 && v.errorReply >= v.notInteger - 1);
  const ofKind = (kind: string) => v.samples.find((s: string) => s.startsWith(kind));
  assert.equal(ofKind("errorReply"), 'errorReply: "ERROR oops"');
  assert.equal(ofKind("outOfRange"), 'outOfRange: "101"');
  assert.equal(ofKind("notInteger"), String.raw`notInteger: "a\"b\\c\x09\xc3\xa9\xff"`);
});

cTest("the C generator's idle mode holds connections and sees unsolicited lines", async () => {
  await using server = await tinyServer((line) => line === "NUMBER" ? "5\n6\n" : "");
  const [ready] = await load(server.port, ["--idle", "3", "--hold", "5"]);
  assert.equal(ready.mode, "idle");
  assert.deepEqual([ready.connected, ready.answered, ready.violations.unsolicited], [3, 3, 3]);
});

cTest(`the C generator's burst mode times ${RUNTIME}'s bare server, and checks`, async () => {
  await using bare = new Running(...runtimeCommand("bench/bare_server.ts", ["--port", "0"]));
  const [result] = await load(await bare.port(), ["--burst", "300", "--hold", "10"]);
  assert.equal(result.mode, "burst");
  assert.deepEqual([result.requested, result.connected, result.answered], [300, 300, 300]);
  assert.equal(result.violations.total, 0, JSON.stringify(result.violations));
  assert.ok(result.seconds > 0 && result.seconds < 10, `${result.seconds} s`);
  // Each burst connection asks for a number in 1..10: 11 is out of range.
  await using wrong = await tinyServer((line) => line === "NUMBER" ? "11\n" : "");
  const [out] = await load(wrong.port, ["--burst", "20", "--hold", "10"]);
  assert.deepEqual([out.answered, out.violations.outOfRange], [20, 20]);
});

cTest(
  "the C generator's reconnect mode makes every round trip a connection of its own",
  async () => {
    await using server = await tinyServer(honest);
    const [, result] = await load(server.port, [
      "--connections",
      "5",
      "--reconnect",
      "1",
      ...quick,
    ]);
    assert.equal(result.violations.total, 0, JSON.stringify(result.violations));
    assert.equal(result.socketErrors + result.closedEarly, 0, JSON.stringify(result.errorSamples));
    assert.equal(result.connected, 5, "connections, not reconnections");
    assert.ok(result.roundTrips > 20, `${result.roundTrips} round trips`);
    // Every round trip of the window and of the warm-up had its own connection.
    assert.ok(server.accepted() > result.roundTrips, `${server.accepted()} accepted`);
  },
);

/**
 * Runs the C generator briefly against a started benchmark server (`extra`:
 * more arguments); checks that every game is clean.
 */
async function playsClean(server: Running, extra: string[] = []): Promise<void> {
  const [, result] = await load(await server.port(), ["--connections", "30", ...quick, ...extra]);
  assert.equal(result.connected, 30);
  assert.ok(result.roundTrips > 0 && result.games > 0, JSON.stringify(result).slice(0, 300));
  assert.equal(result.violations.total, 0, JSON.stringify(result.violations));
  assert.equal(result.socketErrors + result.closedEarly, 0);
}

const ceiling = buildC("ceiling");
const skipCeiling = skipC || (ceiling.ok ? false : `ceiling.c not built: ${ceiling.error}`);

test(titled("the C ceiling server plays clean games", skipCeiling), {
  skip: skipCeiling,
}, async () => {
  assert.ok(ceiling.ok);
  assert.equal(ceiling.warnings, "", "ceiling.c must compile without warnings");
  await using server = new Running(ceiling.path, ["--port", "0"]);
  await playsClean(server);
});

test(
  titled(
    `bench/client_load.ts's three clients play clean games on ${RUNTIME}, and stop at a wrong reply`,
    skipCeiling,
  ),
  {
    skip: skipCeiling,
  },
  async () => {
    assert.ok(ceiling.ok);
    await using server = new Running(ceiling.path, ["--port", "0"]);
    await using wrong = await tinyServer((line) => line === "NUMBER" ? "101\n" : "");
    const clients = ["floor", "connect", "streams"];
    const play = (port: number, client: string) => {
      const args = ["--port", String(port), "--client", client, "--connections", "3"];
      return run(
        ...runtimeCommand("bench/client_load.ts", [
          ...args,
          "--duration",
          "0.3",
          "--warmup",
          "0.1",
        ]),
      );
    };
    for (const client of clients) {
      const { code, stdout, stderr } = await play(await server.port(), client);
      assert.equal(code, 0, `${client}: ${stderr}`);
      const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
      assert.ok(
        result.roundTrips > 0 && result.games > 0 && result.cpuUs > 0,
        `${client}: ${stdout}`,
      );
      // 101 is outside 1..100: every client stops with an error.
      const bad = await play(wrong.port, client);
      assert.notEqual(bad.code, 0, `${client} took a guess of 101: ${bad.stdout}`);
    }
  },
);

cTest(`the bare server plays clean games on ${RUNTIME}'s own sockets`, async () => {
  await using server = new Running(...runtimeCommand("bench/bare_server.ts", ["--port", "0"]));
  await playsClean(server);
});

const skipTls = skipC ||
  (built.ok && !built.tls
    ? "bench/out/load was built without OpenSSL (apt-get install libssl-dev)"
    : await opensslSkip());

test(
  titled(
    `the C generator plays TLS games and handshakes against ${RUNTIME}'s TLS servers`,
    skipTls,
  ),
  { skip: skipTls, timeout: 60_000 },
  async () => {
    const certificates = await makeCertificates();
    try {
      const pem = [
        "--tls-cert",
        certificates.server.certFile,
        "--tls-key",
        certificates.server.keyFile,
      ];
      const flags = ["--allow-net", "--allow-read"];
      const servers = [
        runtimeCommand("bench/bare_server.ts", ["--port", "0", ...pem], flags),
        runtimeCommand("server.ts", ["--port", "0", "--quiet", ...pem], flags),
      ];
      for (const command of servers) {
        await using server = new Running(...command);
        await playsClean(server, ["--tls", "1"]);
        await playsClean(server, ["--tls", "1", "--reconnect", "1"]);
      }
      // A plaintext server answers the ClientHello with a line: the handshake
      // fails, is counted, and the generator goes on.
      const plain = createServer((socket) =>
        socket.once("data", () => socket.end("ERROR unknown-command Unknown command\n"))
      );
      await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
      const port = (plain.address() as AddressInfo).port;
      const [, result] = await load(port, ["--connections", "3", "--tls", "1", ...quick])
        .finally(() => plain.close());
      assert.deepEqual([result.connected, result.roundTrips, result.socketErrors], [3, 0, 3]);
      assert.match(result.errorSamples[0], /^tls handshake /);
    } finally {
      certificates.remove();
    }
  },
);

// ------------------------------------------------ the C generator over WebSocket

/** The `Sec-WebSocket-Accept` that answers a key (RFC 6455, 4.2.2). */
const acceptOf = (key: string) =>
  createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");

/** A 101 that accepts the key, as a WebSocket server answers. */
const switching = (key: string) =>
  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  `Sec-WebSocket-Accept: ${acceptOf(key)}\r\n\r\n`;

/**
 * A server's frame: FIN (unless `fin` is false) and `opcode`, the payload's
 * length in the 7-, 16- or 64-bit form (`width`), masked with `mask` if given.
 */
function frame(
  payload: string | Uint8Array,
  { opcode = 1, fin = true, width = 7, mask }: {
    opcode?: number;
    fin?: boolean;
    width?: 7 | 16 | 64;
    mask?: number[];
  } = {},
): Buffer {
  const data = Buffer.from(payload);
  const bit = mask ? 0x80 : 0;
  const length = width === 7
    ? [bit | data.length]
    : width === 16
    ? [bit | 126, data.length >> 8, data.length & 255]
    : [bit | 127, 0, 0, 0, 0, 0, 0, data.length >> 8, data.length & 255];
  const body = mask ? data.map((b, i) => b ^ mask[i % 4]) : data;
  return Buffer.concat([
    Buffer.from([(fin ? 0x80 : 0) | opcode, ...length, ...(mask ?? [])]),
    body,
  ]);
}

/**
 * A WebSocket server of the generator's kind, one game per connection as
 * `honest()` plays it: answers the upgrade with `head(key)`, reads the
 * generator's frames (each must be masked: a text frame is a line), and
 * sends the connection's `i`-th reply line as the frames `reply(line, i)`.
 * Keeps what it saw: the upgrade requests' lines, frames that broke the
 * rules, the pongs that echoed its `hi` pings, and the close frames.
 */
async function tinyWebSocket(
  reply: (line: string, i: number) => Buffer[],
  head: (key: string) => string = switching,
) {
  const seen = { requests: [] as string[][], wrong: [] as string[], pongs: 0, closes: 0 };
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket.setNoDelay(true));
    const state: State = { numbers: 0, lower: 0, upper: -1, game: [] };
    let input = Buffer.alloc(0), upgraded = false, replies = 0;
    socket.on("data", (chunk: Buffer) => {
      input = Buffer.concat([input, chunk]);
      if (!upgraded) {
        const end = input.indexOf("\r\n\r\n");
        if (end === -1) return;
        const lines = input.subarray(0, end).toString("latin1").split("\r\n");
        seen.requests.push(lines);
        const key = /^sec-websocket-key: *(.*)$/im.exec(lines.join("\n"))?.[1] ?? "";
        socket.write(head(key));
        [input, upgraded] = [input.subarray(end + 4), true];
      }
      const out: Buffer[] = [];
      while (input.length >= 6 && input.length >= 6 + (input[1] & 0x7f)) {
        const [b0, b1] = input;
        const n = b1 & 0x7f; // the generator's lines are short: a 7-bit length
        const payload = input.subarray(6, 6 + n).map((b, i) => b ^ input[2 + (i % 4)]);
        input = input.subarray(6 + n);
        const text = Buffer.from(payload).toString("latin1");
        if (!(b1 & 0x80) || n > 125) seen.wrong.push(`unmasked or long: ${b0} ${b1}`);
        else if (b0 === 0x8a && text === "hi") seen.pongs++;
        else if (b0 === 0x88) seen.closes++;
        else if (b0 !== 0x81 || text.includes("\n")) seen.wrong.push(`${b0}: ${text}`);
        else {
          for (const line of honest(text, state).split("\n").filter(Boolean)) {
            out.push(...reply(line, replies++));
          }
        }
      }
      if (out.length > 0) socket.write(Buffer.concat(out));
    });
    socket.on("error", () => {}).on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: "127.0.0.1" }, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const ws = ["--websocket", "1"];

cTest(
  "the C generator upgrades to a WebSocket and reads every framing of a reply as a line",
  async () => {
    const ping = frame("hi", { opcode: 9 });
    // Fragments (a ping between them), a ping first, 16- and 64-bit lengths, a mask.
    const framings = [
      (n: string) => [frame(n)],
      (n: string) => [frame(n.slice(0, 1), { fin: false }), ping, frame(n.slice(1), { opcode: 0 })],
      (n: string) => [ping, frame(n)],
      (n: string) => [frame(n, { width: 16 })],
      (n: string) => [frame(n, { width: 64 })],
      (n: string) => [frame(n, { mask: [1, 2, 3, 0x80] })],
    ];
    await using server = await tinyWebSocket((n, i) => framings[i % framings.length](n));
    const [, result] = await load(server.port, ["--connections", "5", ...ws, ...quick]);
    assert.deepEqual([result.connected, result.answered], [5, 5]);
    assert.ok(result.roundTrips > 50 && result.games > 0, JSON.stringify(result).slice(0, 300));
    assert.equal(result.violations.total, 0, JSON.stringify(result.violations));
    assert.equal(result.socketErrors + result.closedEarly, 0, JSON.stringify(result.errorSamples));
    assert.deepEqual(server.seen.wrong, []);
    assert.ok(server.seen.pongs > 0, "pings are answered");
    const [request, ...headers] = server.seen.requests[0];
    assert.equal(request, "GET /ws HTTP/1.1");
    const named: Record<string, string> = Object.fromEntries(
      headers.map((
        h,
      ) => [h.slice(0, h.indexOf(":")).toLowerCase(), h.slice(h.indexOf(":") + 1).trim()]),
    );
    assert.equal(named.host, `127.0.0.1:${server.port}`);
    assert.deepEqual([named.upgrade, named.connection.toLowerCase()], ["websocket", "upgrade"]);
    assert.equal(named["sec-websocket-version"], "13");
    assert.equal(Buffer.from(named["sec-websocket-key"], "base64").length, 16);
    assert.equal(named.origin, undefined, "a program's request: no Origin");
  },
);

cTest(
  "the C generator counts a refused upgrade as a socket error, and a close frame as closed early",
  async () => {
    const head = (status: string) => () => `HTTP/1.1 ${status}\r\ncontent-length: 0\r\n\r\n`;
    const refusals = [
      [head("403 Forbidden"), /^websocket upgrade: "HTTP\/1\.1 403 Forbidden"$/],
      [head("101 Switching Protocols"), /^websocket upgrade: 101 without our key's/],
      [(key: string) => switching(`${key}x`), /^websocket upgrade: 101 without our key's/],
    ] as const;
    for (const [answer, sample] of refusals) {
      await using server = await tinyWebSocket((n) => [frame(n)], answer);
      const [, r] = await load(server.port, ["--connections", "3", ...ws, ...quick]);
      assert.deepEqual([r.connected, r.roundTrips, r.socketErrors, r.closedEarly], [3, 0, 3, 3]);
      assert.match(r.errorSamples[0], sample);
    }
    // A close frame in place of the first reply: closed early, the close answered, no error.
    await using closing = await tinyWebSocket(() => [frame("\x03\xe8", { opcode: 8 })]);
    const [, r] = await load(closing.port, ["--connections", "3", ...ws, ...quick]);
    assert.deepEqual([r.connected, r.roundTrips, r.socketErrors, r.closedEarly], [3, 0, 0, 3]);
    assert.equal(r.violations.total, 0);
    assert.equal(closing.seen.closes, 3);
  },
);

cTest(
  `the C generator plays WebSocket games on our server's web port on ${RUNTIME}, ` +
    "and fails cleanly on its TCP port",
  async () => {
    await using server = await serve({ port: 0, web: { port: 0 }, quiet: true });
    const [, result] = await load(server.web!.port, ["--connections", "30", ...ws, ...quick]);
    assert.deepEqual([result.connected, result.answered], [30, 30]);
    assert.ok(result.roundTrips > 0 && result.games > 0, JSON.stringify(result).slice(0, 300));
    assert.equal(result.violations.total, 0, JSON.stringify(result.violations));
    assert.equal(result.socketErrors + result.closedEarly, 0, JSON.stringify(result.errorSamples));
    // The TCP port reads the upgrade's lines as commands: its ERROR line is no 101.
    const [, tcp] = await load(server.addr.port, ["--connections", "3", ...ws, ...quick]);
    assert.deepEqual([tcp.connected, tcp.roundTrips, tcp.socketErrors, tcp.closedEarly], [
      3,
      0,
      3,
      3,
    ]);
    assert.match(tcp.errorSamples[0], /^websocket upgrade: "ERROR unknown-command /);
  },
);

test(
  titled(`the C generator plays wss games on our server's https web port on ${RUNTIME}`, skipTls),
  { skip: skipTls, timeout: 60_000 },
  async () => {
    const certificates = await makeCertificates();
    try {
      const { cert, key } = certificates.server;
      await using server = await serve({
        port: 0,
        web: { port: 0 },
        quiet: true,
        tls: { cert, key },
      });
      const [, result] = await load(server.web!.port, [
        "--connections",
        "10",
        ...ws,
        "--tls",
        "1",
        ...quick,
      ]);
      assert.deepEqual([result.connected, result.answered], [10, 10]);
      assert.ok(result.roundTrips > 0 && result.games > 0, JSON.stringify(result).slice(0, 300));
      assert.equal(result.violations.total, 0, JSON.stringify(result.violations));
      assert.equal(result.socketErrors + result.closedEarly, 0);
    } finally {
      certificates.remove();
    }
  },
);

const NODE = join(ROOT, "node_modules/.bin/node");
const skipNode = existsSync(NODE) ? false : `no ${NODE} (npm install)`;

test(titled("bench/run.ts stops with one line when there is no C compiler", skipNode), {
  skip: skipNode,
}, async () => {
  const env = ["/usr/bin/env", "PATH=/nonexistent", NODE];
  const { code, stdout, stderr } = await run(env[0], [...env.slice(1), "bench/run.ts"]);
  assert.equal(code, 1);
  assert.equal(stdout, "");
  assert.match(stderr, /^bench\/run\.ts: the benchmark needs a C compiler: [^\n]*\n$/);
});

// ------------------------------------------------ the flood mode (bench/flood.ts)

const FLOOD = { flooders: 4, floodBytes: 16_384, games: 3, afterGames: 2 };

test("flood() plays every game beside the flooders and after, against an honest server", async () => {
  await using server = await tinyServer(honest);
  const phases: string[] = [];
  const r = await flood("127.0.0.1", server.port, {
    ...FLOOD,
    limitMs: 10_000,
    phase: (p) => phases.push(p),
  });
  assert.deepEqual(phases, ["flooded", "left"]);
  const request = "PARAMS 1 1000000000000\n".length + 7 * Math.floor(16_384 / 7);
  assert.equal(r.floodBytesSent, 4 * request);
  assert.deepEqual([r.games, r.afterGames, r.violations, r.finished], [3, 2, 0, true]);
  assert.ok(r.p50Us > 0 && r.p50Us <= r.p99Us, `p50 ${r.p50Us}, p99 ${r.p99Us}`);
  assert.ok(r.medianGameMs <= r.worstGameMs && r.worstGameMs < 10_000, `${r.worstGameMs} ms`);
  assert.ok(r.afterWorstGameMs > 0 && r.afterWorstGameMs < 10_000);
});

test("flood() gives up at its time bound on a server that never answers, and says so", async () => {
  await using server = await tinyServer(() => "");
  const start = performance.now();
  const r = await flood("127.0.0.1", server.port, { ...FLOOD, limitMs: 300 });
  const took = performance.now() - start;
  assert.ok(took < 3000, `took ${took} ms`);
  assert.deepEqual([r.games, r.afterGames, r.finished], [0, 0, false]);
  // The unfinished game counts with its age: about the bound.
  assert.ok(r.worstGameMs >= 290 && r.worstGameMs < 2000, `${r.worstGameMs} ms`);
  assert.ok(Number.isNaN(r.p50Us), "no round trip was answered");
});

test("flood() counts wrong replies and keeps the first", async () => {
  await using server = await tinyServer((line) => line === "NUMBER" ? "101\n" : "");
  const r = await flood("127.0.0.1", server.port, { ...FLOOD, limitMs: 2000 });
  assert.equal(r.finished, false);
  assert.equal(r.violations, 2, "the first game beside them, the first after");
  assert.deepEqual(r.samples, ['"101" in a game of 1..100', '"101" in a game of 1..100']);
});
