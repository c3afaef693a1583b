/**
 * Unit tests of the load generator's pure pieces (bench/load.ts): histogram
 * percentiles, the byte-level reply parser on split chunks, the report rule,
 * and violation detection; then the C generator (bench/load.c, built with `cc`;
 * skipped without one) against tiny in-test servers, honest and wrong, next to
 * load.ts. Runs under `node --test`, `deno test -A` and `bun test`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  bucketOf,
  bucketValue,
  decide,
  DECISIONS,
  ERROR_LINE,
  Histogram,
  INT,
  NOT_INT,
  Player,
  type ReplyKind,
  ReplyParser,
  Stats,
} from "./load.ts";
import { Running, RUNTIME, runtimeCommand, titled } from "../tests/_helpers.ts";
import { buildC } from "./build_c.ts";

const encode = (text: string) => new TextEncoder().encode(text);

/** Feeds `chunks` to a fresh parser; returns the lines as [kind, value] pairs. */
function parse(chunks: string[]): [ReplyKind, number][] {
  const parser = new ReplyParser();
  const lines: [ReplyKind, number][] = [];
  const sink = { reply: (kind: ReplyKind, value: number) => lines.push([kind, value]) };
  for (const chunk of chunks) {
    const bytes = encode(`xx${chunk}yy`); // feed a window of a larger buffer
    parser.feed(bytes, 2, bytes.length - 2, sink);
  }
  return lines;
}

test("histogram percentiles are exact below 128 µs", () => {
  const h = new Histogram();
  for (let v = 100; v >= 1; v--) h.record(v);
  assert.equal(h.count, 100);
  assert.equal(h.percentile(50), 50);
  assert.equal(h.percentile(99), 99);
  assert.equal(h.percentile(100), 100);
  assert.equal(h.percentile(0), 1);
  assert.equal(h.max, 100);
});

test("histogram percentiles are within 1/64 above 128 µs, and merge", () => {
  const h = new Histogram();
  for (let i = 0; i < 90; i++) h.record(1000);
  for (let i = 0; i < 10; i++) h.record(250_000);
  assert.ok(Math.abs(h.percentile(50) - 1000) <= 1000 / 64, `${h.percentile(50)}`);
  assert.ok(Math.abs(h.percentile(95) - 250_000) <= 250_000 / 64, `${h.percentile(95)}`);
  const sum = new Histogram();
  sum.merge(h.toJSON());
  sum.merge(h.toJSON());
  assert.equal(sum.count, 200);
  assert.equal(sum.percentile(90), h.percentile(90));
  assert.ok(Number.isNaN(new Histogram().percentile(50)));
});

test("buckets are contiguous and monotonic", () => {
  let last = -1;
  for (let v = 0; v < 1 << 18; v++) {
    const b = bucketOf(v);
    assert.ok(b === last || b === last + 1, `value ${v}: bucket ${b} after ${last}`);
    assert.ok(Math.abs(bucketValue(b) - v) <= Math.max(0.5, v / 64), `value ${v}`);
    last = b;
  }
  assert.equal(bucketOf(-5), 0);
  assert.equal(bucketOf(1e12), bucketOf(0x7fffffff));
});

test("reply parser handles lines split across chunks", () => {
  assert.deepEqual(parse(["4", "2\n1", "7", "\n"]), [[INT, 42], [INT, 17]]);
  assert.deepEqual(parse(["5\n6\n", "\n"]), [[INT, 5], [INT, 6], [NOT_INT, 0]]);
  assert.deepEqual(parse(["-0", "07\r", "\n+3\n"]), [[INT, -7], [INT, 3]]);
  assert.deepEqual(parse(["12", "\r3\n"]), [[NOT_INT, 123]]);
  assert.deepEqual(parse(["4 2\n", "4.0\n", "-\n", "x\n"]).map(([k]) => k), [
    NOT_INT,
    NOT_INT,
    NOT_INT,
    NOT_INT,
  ]);
  assert.deepEqual(parse(["ERR", "OR no-game Send PARAMS first\n"]).map(([k]) => k), [ERROR_LINE]);
  assert.deepEqual(parse(["ERROR\n", "ERRORS 1\n"]).map(([k]) => k), [NOT_INT, NOT_INT]);
  assert.deepEqual(parse(["7"]), []);
});

test("the parser shows the line being delivered", () => {
  const parser = new ReplyParser();
  const seen: string[] = [];
  parser.feed(encode("ab\ncd\n"), 0, 6, { reply: () => seen.push(parser.lastLine()) });
  assert.deepEqual(seen, ["ab", "cd"]);
});

test("decide follows the honest client's rule", () => {
  const name = (d: number, p: number) => DECISIONS[decide(d, p)];
  assert.equal(name(0, -1), "Correct");
  assert.equal(name(0, 5), "Correct");
  assert.equal(name(3, -1), "Unsure");
  assert.equal(name(3, 3), "Unsure");
  assert.equal(name(2, 3), "Warmer");
  assert.equal(name(4, 3), "Colder");
});

/** A player whose secret is always 50 (random() = 0.49 -> 1 + 49). */
function player(): [Player, Stats] {
  const stats = new Stats();
  const p = new Player(stats, () => 0.49);
  p.start();
  assert.equal(p.secret, 50);
  return [p, stats];
}

const text = (bytes: Uint8Array | null) => bytes === null ? null : new TextDecoder().decode(bytes);

test("a clean game has no violations and the right writes", () => {
  const [p, stats] = player();
  assert.equal(text(p.reply(INT, 10)), "REPORT Unsure\nNUMBER\n");
  assert.equal(text(p.reply(INT, 60)), "REPORT Warmer\nNUMBER\n");
  assert.equal(text(p.reply(INT, 90)), "REPORT Colder\nNUMBER\n");
  assert.equal(text(p.reply(INT, 45)), "REPORT Warmer\nNUMBER\n");
  assert.equal(stats.violations(), 0);
  assert.equal(text(p.reply(INT, 50)), "REPORT Correct\nPARAMS 0 -1\nPARAMS 1 100\nNUMBER\n");
  assert.equal(stats.games, 1);
  assert.equal(stats.roundTrips, 5);
  assert.deepEqual(p.guesses, []);
});

test("five rounds end a game; a number may come back in the next game", () => {
  const [p, stats] = player();
  for (const n of [1, 2, 3, 4]) assert.match(text(p.reply(INT, n))!, /NUMBER\n$/);
  assert.equal(text(p.reply(INT, 5)), "REPORT Warmer\nPARAMS 0 -1\nPARAMS 1 100\nNUMBER\n");
  assert.equal(text(p.reply(INT, 1)), "REPORT Unsure\nNUMBER\n");
  assert.equal(stats.violations(), 0);
  assert.equal(stats.games, 1);
});

test("violations: repeated, out of range, not an integer, ERROR, unsolicited", () => {
  const [p, stats] = player();
  p.reply(INT, 7);
  p.reply(INT, 7);
  assert.equal(p.violation, "repeated");
  p.reply(INT, 0);
  assert.equal(p.violation, "out-of-range");
  p.reply(INT, 101);
  assert.equal(p.violation, "out-of-range");
  assert.equal(stats.repeated, 1);
  assert.equal(stats.outOfRange, 2);
  assert.equal(text(p.reply(NOT_INT, 0)), "PARAMS 0 -1\nPARAMS 1 100\nNUMBER\n");
  assert.equal(stats.notInteger, 1);
  assert.equal(p.reply(ERROR_LINE, 0) !== null, true);
  assert.equal(stats.errorReply, 1);
  assert.equal(stats.violations(), 5);
  p.awaiting = false; // the write was not sent
  assert.equal(p.reply(INT, 3), null);
  assert.equal(stats.unsolicited, 1);
  assert.equal(stats.games, 0);
});

// ------------------------------------------------ the C generator (bench/load.c)

/** Serves each connection with `answer(line, state)` in one write per chunk; for the C tests. */
async function tinyServer(
  answer: (line: string, state: { numbers: number; game: number[] }) => string,
): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const state = { numbers: 0, game: [] as number[] };
    let rest = "";
    socket.on("data", (chunk: Buffer) => {
      const lines = (rest + chunk.toString("latin1")).split("\n");
      rest = lines.pop()!;
      const out = lines.map((line) => answer(line, state)).join("");
      if (out !== "") socket.write(Buffer.from(out, "latin1"));
    });
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return { port, close };
}

/** An honest server: distinct numbers in 1..100 within a game. */
function honest(line: string, state: { numbers: number; game: number[] }): string {
  if (line.startsWith("PARAMS")) state.game = [];
  if (line !== "NUMBER") return "";
  let n;
  do n = 1 + Math.floor(Math.random() * 100); while (state.game.includes(n));
  state.game.push(n);
  return `${n}\n`;
}

/**
 * A wrong server: a repeat, an out-of-range number, junk (UTF-8 "é", then a byte
 * that is no UTF-8), an ERROR line, over and over; CRLF line ends.
 */
function wrong(line: string, state: { numbers: number; game: number[] }): string {
  if (line !== "NUMBER") return "";
  const replies = ["7", "7", "101", 'a"b\\c\t\xc3\xa9\xff', "ERROR oops", "-0"];
  return `${replies[state.numbers++ % replies.length]}\r\n`;
}

interface Ran {
  code: number | null;
  lines: string[];
  stderr: string;
}

/** Runs a command to completion without blocking the event loop (the test's server runs in it). */
function run(command: string[], timeoutMs = 10_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => stdout += t);
    child.stderr.setEncoding("utf8").on("data", (t: string) => stderr += t);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, lines: stdout.split("\n").filter((l) => l !== ""), stderr });
    });
  });
}

/** The JSON's shape: its keys, recursively, with arrays' and counters' contents left out. */
function shape(value: unknown): unknown {
  if (Array.isArray(value) || value === null || typeof value !== "object") return typeof value;
  return Object.fromEntries(Object.keys(value).map((k) => [k, shape((value as never)[k])]));
}

const NODE_BIN = join(dirname(dirname(fileURLToPath(import.meta.url))), "node_modules/.bin/node");
const LOAD_TS = join(dirname(fileURLToPath(import.meta.url)), "load.ts");
const built = buildC("load");
const skipC = built.ok ? false : `C load generator not built: ${built.error}`;
const quick = ["--duration", "0.6", "--warmup", "0.2"];

test(titled("the C generator plays clean games like load.ts, with the same JSON", skipC), {
  skip: skipC,
}, async () => {
  assert.ok(built.ok);
  assert.equal(built.warnings, "", "load.c must compile without warnings");
  const server = await tinyServer(honest);
  try {
    const args = ["--port", String(server.port), "--connections", "20", ...quick];
    const c = await run([built.path, ...args]);
    assert.equal(c.code, 0, c.stderr);
    assert.equal(c.lines[0], '{"phase":"measuring"}');
    const result = JSON.parse(c.lines[1]);
    assert.equal(result.mode, "throughput");
    assert.equal(result.connected, 20);
    assert.ok(result.roundTrips > 0 && result.games > 0, c.lines[1].slice(0, 300));
    assert.equal(result.violations.total, 0, JSON.stringify(result.violations));
    assert.equal(result.socketErrors + result.closedEarly, 0);
    assert.equal(result.answered, 20);
    assert.equal(result.unanswered, 20, "each client has one round trip in flight at the end");
    assert.equal(result.histogram.count, result.roundTrips + result.unanswered);
    assert.ok(result.p50Us > 0 && result.p99Us >= result.p50Us && result.cpu.percent > 0);
    if (existsSync(NODE_BIN)) {
      const ts = await run([NODE_BIN, LOAD_TS, ...args]);
      assert.equal(ts.code, 0, ts.stderr);
      assert.deepEqual(shape(result), shape(JSON.parse(ts.lines[1])));
    }
  } finally {
    await server.close();
  }
});

/** A server that answers three `NUMBER`s on each connection, then never again. */
function stalling(line: string, state: { numbers: number; game: number[] }): string {
  if (line !== "NUMBER" || state.numbers >= 3) return "";
  state.numbers++;
  return `${state.numbers}\n`;
}

test(titled("both generators time a stalled round trip by its age when the window closes", skipC), {
  skip: skipC,
}, async () => {
  assert.ok(built.ok);
  const server = await tinyServer(stalling);
  try {
    const args = ["--port", String(server.port), "--connections", "4", ...quick];
    for (const command of [[built.path], [NODE_BIN, LOAD_TS]]) {
      const ran = await run([...command, ...args]);
      assert.equal(ran.code, 0, ran.stderr);
      const result = JSON.parse(ran.lines[1]);
      assert.equal(result.roundTrips, 0, "every connection stalled during the warm-up");
      assert.equal(result.unanswered, 4);
      // Stalled since the warm-up (0.2 s) at the latest, so older than the 0.6 s window.
      assert.ok(result.p50Us >= 600_000, `${command[0]}: p50 ${result.p50Us} µs`);
      assert.ok(result.maxUs >= 600_000, `${command[0]}: max ${result.maxUs} µs`);
    }
  } finally {
    await server.close();
  }
});

test(titled("the C generator counts a wrong server's violations like load.ts", skipC), {
  skip: skipC,
}, async () => {
  assert.ok(built.ok);
  const server = await tinyServer(wrong);
  try {
    const args = ["--port", String(server.port), "--connections", "1", ...quick];
    const c = JSON.parse((await run([built.path, ...args])).lines[1]);
    const v = c.violations;
    for (const kind of ["repeated", "outOfRange", "notInteger", "errorReply"]) {
      assert.ok(v[kind] > 0, `${kind}: ${JSON.stringify(v)}`);
    }
    assert.equal(v.unsolicited, 0);
    assert.equal(v.total, v.repeated + v.outOfRange + v.notInteger + v.errorReply);
    // "-0" is out of range too. Per six replies: one repeat (none if 7 was the secret),
    // two out of range, one not an integer, one ERROR.
    assert.ok(v.outOfRange >= 2 * v.notInteger - 2 && v.errorReply >= v.notInteger - 1);
    const ofKind = (samples: string[], kind: string) => samples.find((s) => s.startsWith(kind));
    assert.equal(ofKind(v.samples, "error-reply"), 'error-reply: "ERROR oops"');
    assert.equal(ofKind(v.samples, "out-of-range"), 'out-of-range: "101"');
    if (existsSync(NODE_BIN)) { // the same text for the same odd bytes, escapes and all
      const ts = JSON.parse((await run([NODE_BIN, LOAD_TS, ...args])).lines[1]);
      const junk = ofKind(v.samples, "not-integer");
      assert.equal(junk, ofKind(ts.violations.samples, "not-integer"));
      assert.equal(junk, 'not-integer: "a\\"b\\\\c\\té\uFFFD"');
    }
  } finally {
    await server.close();
  }
});

test(titled("the C generator's idle mode holds connections and sees unsolicited lines", skipC), {
  skip: skipC,
}, async () => {
  assert.ok(built.ok);
  const server = await tinyServer((line) => line === "NUMBER" ? "5\n6\n" : "");
  try {
    const c = await run([built.path, "--port", String(server.port), "--idle", "3", "--hold", "5"]);
    assert.equal(c.code, 0, c.stderr);
    const ready = JSON.parse(c.lines[0]);
    assert.equal(ready.mode, "idle");
    assert.equal(ready.connected, 3);
    assert.equal(ready.answered, 3);
    assert.equal(ready.violations.unsolicited, 3);
  } finally {
    await server.close();
  }
});

/** Runs the C generator briefly against a started benchmark server; checks that every game is clean. */
async function playsClean(server: Running): Promise<void> {
  assert.ok(built.ok);
  const port = await server.port();
  const ran = await run([built.path, "--port", String(port), "--connections", "30", ...quick]);
  assert.equal(ran.code, 0, ran.stderr);
  const result = JSON.parse(ran.lines[1]);
  assert.equal(result.connected, 30);
  assert.ok(result.roundTrips > 0 && result.games > 0, ran.lines[1].slice(0, 300));
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

test(titled(`the bare server plays clean games on ${RUNTIME}'s own sockets`, skipC), {
  skip: skipC,
}, async () => {
  await using server = new Running(...runtimeCommand("bench/bare_server.ts", ["--port", "0"]));
  await playsClean(server);
});
