/**
 * Unit tests of the load generator's pure pieces (bench/load.ts): histogram
 * percentiles, the byte-level reply parser on split chunks, the report rule,
 * and violation detection. Runs under `node --test`, `deno test` and `bun test`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "node:test";
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
