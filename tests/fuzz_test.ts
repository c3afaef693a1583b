/**
 * Property-based tests of a live server on loopback, with fast-check: random
 * mixes of valid and invalid lines, and random byte soup (`\r`, `\n`, 0xff,
 * cut characters, over-long lines), cut into random writes. Each run's
 * replies are checked line by line against a model of the protocol written
 * here from the rules, not from the server's code: every NUMBER gets exactly
 * one reply, every bad line exactly one `ERROR` with the right code, valid
 * PARAMS and REPORT none, and a too-long line ends the connection. Meanwhile
 * another connection plays whole games, and afterwards a new one still can.
 *
 * Runs unchanged under `node --test`, `bun test` and
 * `deno test --allow-net --allow-read --allow-run --allow-env`. Set
 * `WARMER_COLDER_FUZZ_SEED` to replay a failing seed.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import process from "node:process";
import { describe, test } from "node:test";
import fc from "fast-check";
import { serve, serveConnection, type Server } from "../server.ts";
import { decide, type Decision, DECISIONS, readLines } from "../protocol.ts";
import { HOST, RawClient, READ_TIMEOUT, within } from "./_raw_client.ts";

/**
 * Every test's ceiling (Bun's default is 5 s); the reads and waits inside have
 * their own, shorter, timeouts.
 */
const LIMIT = { timeout: 60_000 };
/** The fuzzed server's line limit: small, so over-long lines are cheap. */
const MAX_LINE = 64;
/** Each property stops early, as passed, after this long. */
const TIME_LIMIT = 3_000;
const LF = 10;
const CR = 13;
const encoder = new TextEncoder();
const seedText = process.env.WARMER_COLDER_FUZZ_SEED;
const SEED = seedText === undefined || seedText === "" ? {} : { seed: Number(seedText) };

/** Plays a whole game, one round trip per guess, asserting as it goes. */
async function playGame(client: RawClient, upper: bigint, secret: bigint): Promise<void> {
  await client.write(`PARAMS 1 ${upper}\n`);
  const seen = new Set<bigint>();
  let previous: bigint | undefined;
  while (seen.size < Number(upper)) {
    await client.write("NUMBER\n");
    const line = await client.line();
    assert.match(line, /^[1-9][0-9]*$/);
    const guess = BigInt(line);
    assert.ok(guess >= 1n && guess <= upper && !seen.has(guess), `bad guess ${guess}`);
    seen.add(guess);
    const outcome = decide(secret, guess, previous);
    previous = outcome.distance;
    await client.write(`REPORT ${outcome.decision}\n`);
    if (outcome.decision === "Correct") {
      await client.write("NUMBER\nPARAMS 0 -1\nNUMBER\n");
      assert.equal(await client.line(), `${secret}`);
      assert.match(await client.line(), /^ERROR no-game /);
      return;
    }
  }
  assert.fail(`never guessed ${secret}`);
}

// ---------------------------------------------------------------------------
// The model: what the server must answer to a byte stream, from the rules

const TOO_LONG = Symbol("too long");
const INTEGER = /^[+-]?[0-9]+$/;

/**
 * Splits the bytes a client sends, and then ends, into lines as the protocol
 * says: at `\n`, one `\r` before it dropped, a last unended line included;
 * a line over the limit ends everything.
 */
function splitLines(bytes: Uint8Array, max: number): (Uint8Array | typeof TOO_LONG)[] {
  const lines: (Uint8Array | typeof TOO_LONG)[] = [];
  let start = 0;
  while (start < bytes.length) {
    const newline = bytes.indexOf(LF, start);
    const stop = newline === -1 ? bytes.length : newline;
    const end = stop > start && bytes[stop - 1] === CR ? stop - 1 : stop;
    if (end - start > max) {
      lines.push(TOO_LONG);
      break;
    }
    if (end > start) lines.push(bytes.subarray(start, end));
    start = stop + 1;
  }
  return lines;
}

type ModelCommand =
  | { readonly error: string }
  | { readonly type: "NUMBER" }
  | { readonly type: "REPORT"; readonly decision: Decision }
  | { readonly type: "PARAMS"; readonly lower: bigint; readonly upper: bigint };

function classify(bytes: Uint8Array): ModelCommand {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return { error: "bad-utf8" };
  }
  const fields = text.split(" ");
  switch (fields[0]) {
    case "NUMBER":
      return fields.length === 1 ? { type: "NUMBER" } : { error: "wrong-fields" };
    case "REPORT":
      if (fields.length !== 2) return { error: "wrong-fields" };
      return (DECISIONS as readonly string[]).includes(fields[1])
        ? { type: "REPORT", decision: fields[1] as Decision }
        : { error: "bad-decision" };
    case "PARAMS":
      if (fields.length !== 3) return { error: "wrong-fields" };
      if (!INTEGER.test(fields[1]) || !INTEGER.test(fields[2])) return { error: "not-integer" };
      return { type: "PARAMS", lower: BigInt(fields[1]), upper: BigInt(fields[2]) };
    default:
      return { error: "unknown-command" };
  }
}

function expectError(line: string | undefined, code: string, why: string): void {
  assert.ok(line !== undefined, `missing ERROR ${code} for ${why}`);
  assert.ok(
    line.startsWith(`ERROR ${code} `) && line.length > code.length + 7,
    `expected ERROR ${code} for ${why}, got ${JSON.stringify(line)}`,
  );
}

/**
 * Checks the replies to `bytes` against the rules, one line at a time; the
 * numbers the server picked feed the model (a `Correct` makes one the secret).
 * Returns how many NUMBER lines were sent, and whether a line was too long.
 */
function checkReplies(
  bytes: Uint8Array,
  replies: readonly string[],
  max: number,
): { numbers: number; closed: boolean } {
  let next = 0;
  let numbers = 0;
  let game: { lower: bigint; upper: bigint; guessed: Set<bigint>; secret?: bigint } | undefined;
  let last: bigint | undefined;
  let reported = true;
  for (const line of splitLines(bytes, max)) {
    const why = line === TOO_LONG ? "a long line" : JSON.stringify(Buffer.from(line).toString());
    if (line === TOO_LONG) {
      expectError(replies[next++], "line-too-long", why);
      assert.equal(next, replies.length, "nothing after ERROR line-too-long");
      return { numbers, closed: true };
    }
    const command = classify(line);
    if ("error" in command) {
      expectError(replies[next++], command.error, why);
      continue;
    }
    switch (command.type) {
      case "NUMBER": {
        numbers++;
        const reply = replies[next++];
        if (game === undefined) {
          expectError(reply, "no-game", why);
        } else if (game.secret !== undefined) {
          assert.equal(reply, `${game.secret}`, "NUMBER after Correct repeats the secret");
          last = game.secret;
          reported = false;
        } else if (BigInt(game.guessed.size) === game.upper - game.lower + 1n) {
          expectError(reply, "exhausted", why);
        } else {
          assert.ok(reply !== undefined, "missing reply to NUMBER");
          assert.match(reply, /^-?(0|[1-9][0-9]*)$/, `NUMBER answered ${JSON.stringify(reply)}`);
          const guess = BigInt(reply);
          assert.ok(guess >= game.lower && guess <= game.upper, `${guess} out of range`);
          assert.ok(!game.guessed.has(guess), `${guess} guessed twice in a game`);
          game.guessed.add(guess);
          last = guess;
          reported = false;
        }
        break;
      }
      case "REPORT":
        if (last === undefined || reported) {
          expectError(replies[next++], "no-guess", why);
        } else {
          reported = true;
          if (command.decision === "Correct") game!.secret = last;
        }
        break;
      case "PARAMS": {
        const { lower, upper } = command;
        if (lower > upper && !(lower === 0n && upper === -1n)) {
          expectError(replies[next++], "bad-range", why);
          break;
        }
        game = lower > upper ? undefined : { lower, upper, guessed: new Set() };
        last = undefined;
        reported = true;
        break;
      }
    }
  }
  assert.equal(next, replies.length, `${replies.length - next} replies too many`);
  return { numbers, closed: false };
}

// ---------------------------------------------------------------------------
// Generators

const bytesOf = (text: string) => encoder.encode(text);
const concat = (parts: readonly Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
/** Replaces each `\n` so a generated line stays one line. */
const oneLine = (bytes: Uint8Array) => bytes.map((b) => b === LF ? 0xff : b);

const integerText = fc
  .tuple(fc.constantFrom("", "+", "-"), fc.constantFrom("", "0", "00"), fc.nat({ max: 9 }))
  .map(([sign, zeros, n]) => `${sign}${zeros}${n}`);
const bigText = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String);
const params = fc.oneof(
  {
    arbitrary: fc.tuple(fc.integer({ min: -4, max: 6 }), fc.nat({ max: 5 }))
      .map(([lower, span]) => `PARAMS ${lower} ${lower + span}`),
    weight: 4,
  },
  fc.constant("PARAMS 0 -1"),
  fc.tuple(integerText, integerText).map(([a, b]) => `PARAMS ${a} ${b}`),
  fc.tuple(bigText, bigText).map(([a, b]) => `PARAMS ${a} ${b}`),
);
const validLine = fc.oneof(
  { arbitrary: fc.constant("NUMBER"), weight: 6 },
  { arbitrary: params, weight: 2 },
  { arbitrary: fc.constantFrom(...DECISIONS).map((d) => `REPORT ${d}`), weight: 4 },
).map(bytesOf);
const nearMiss = fc.constantFrom(
  "number",
  "Number",
  "NUMBER x",
  "NUMBER ",
  " NUMBER",
  "NUMBER\r",
  "NUM\rBER",
  "PARAMS  1 5",
  "PARAMS 1 5 ",
  "PARAMS 1",
  "PARAMS 1 2 3",
  "PARAMS 1.5 2",
  "PARAMS 0x1 2",
  "PARAMS 1e2 200",
  "PARAMS \u0661 2",
  "PARAMS 5 1",
  "PARAMS 0 -2",
  "REPORT",
  "REPORT  Warmer",
  "REPORT correct",
  "REPORT Warmer Colder",
  "GUESS",
  "\uFEFFNUMBER",
  "\r",
).map(bytesOf);
const noise = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }).map((s) => oneLine(bytesOf(s))),
  fc.uint8Array({ maxLength: 40 }).map(oneLine),
  // A valid line with one byte changed.
  fc.tuple(validLine, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([line, at, byte]) => {
    const copy = line.slice();
    copy[at % copy.length] = byte === LF ? CR : byte;
    return copy;
  }),
);
const longLine = fc.uint8Array({ minLength: MAX_LINE + 1, maxLength: 3 * MAX_LINE }).map(
  (bytes) => oneLine(bytes.map((b) => b === CR ? 0x20 : b)),
);
// About one session in three has a long line, which ends it.
const line = fc.oneof(
  { arbitrary: validLine, weight: 40 },
  { arbitrary: nearMiss, weight: 12 },
  { arbitrary: noise, weight: 12 },
  { arbitrary: longLine, weight: 1 },
);
const terminator = fc.constantFrom("\n", "\n", "\r\n", "\n\n", "\r\n\r\n").map(bytesOf);

/** A session: lines with their terminators, the last one maybe left unended. */
const session = fc
  .tuple(fc.array(fc.tuple(line, terminator), { maxLength: 60, size: "medium" }), fc.boolean())
  .map(([lines, unended]) => {
    const parts = lines.flatMap(([text, end]) => [text, end]);
    if (unended && parts.length > 0) parts.pop();
    return concat(parts);
  });

/** Byte soup from protocol fragments and stray bytes: lines form by chance. */
const soup = fc.array(
  fc.oneof(
    { arbitrary: fc.constantFrom("NUMBER", "PARAMS", "REPORT", "Correct", "Warmer"), weight: 4 },
    { arbitrary: fc.constantFrom(" ", "\n", "\r", "\r\n", "\n\n"), weight: 6 },
    { arbitrary: fc.constantFrom("0", "1", "-1", "+", "7", "-", "00"), weight: 4 },
    {
      arbitrary: fc.constantFrom("\xff", "\xfe", "\xc3", "\xa9", "\xe2\x82", "\xc0\xaf"),
      weight: 2,
    },
    { arbitrary: fc.constant("x".repeat(MAX_LINE)), weight: 1 },
  ),
  { maxLength: 80, size: "medium" },
).map((parts) =>
  // Latin-1 in, bytes out: "\xff" is the byte 0xff.
  new Uint8Array(Buffer.from(parts.join(""), "latin1"))
);

/** Where to cut the bytes into separate writes. */
const cuts = fc.array(fc.integer({ min: 1, max: 48 }), { maxLength: 12, size: "medium" });

function cut(bytes: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= bytes.length) break;
    pieces.push(bytes.subarray(at, at + size));
    at += size;
  }
  if (at < bytes.length) pieces.push(bytes.subarray(at));
  return pieces;
}

// ---------------------------------------------------------------------------
// Running a session

/** Sends the pieces, half-closes, and reads every reply until the server closes. */
async function runSession(port: number, pieces: readonly Uint8Array[]): Promise<string[]> {
  await using client = await RawClient.connect(port);
  const reading = client.rest();
  try {
    for (const piece of pieces) await client.write(piece);
    client.socket.end();
  } catch {
    // The server closed after a too-long line; the replies tell.
  }
  return await reading;
}

/** Plays whole games on its own connection until stopped; returns how many. */
function background(port: number): { stop(): Promise<number> } {
  let stopping = false;
  const playing = (async () => {
    await using client = await RawClient.connect(port);
    let games = 0;
    while (!stopping || games === 0) {
      await playGame(client, 30n, BigInt(1 + (games * 7) % 30));
      games++;
    }
    return games;
  })();
  return {
    stop() {
      stopping = true;
      return within(playing, 20_000, "the background game");
    },
  };
}

/**
 * Asserts the server's only connection is `client`'s: no fuzzed connection
 * is left open. Each check is after a round trip, so the server has had the
 * time to see the closes.
 */
async function assertOnlyConnection(server: Server, client: RawClient): Promise<void> {
  for (let i = 0; i < 200 && server.connections !== 1; i++) {
    await client.write("NUMBER\n");
    await client.line();
  }
  assert.equal(server.connections, 1, "every fuzzed connection has been closed");
}

/** A quiet server on a free loopback port, with the fuzzed line limit. */
function startFuzzed(): Promise<Server> {
  return serve({ hostname: HOST, port: 0, quiet: true, maxLineBytes: MAX_LINE });
}

/**
 * Runs up to 1000 fuzzed sessions against one live server while a good game
 * plays in the background, then checks that game and one played after: the
 * server is unharmed, and only the last connection is open.
 */
async function fuzzLive(
  sessions: fc.Arbitrary<Uint8Array>,
  check: (bytes: Uint8Array, replies: readonly string[]) => void,
  secret: bigint,
): Promise<number> {
  await using server = await startFuzzed();
  const port = server.addr.port;
  const player = background(port);
  let runs = 0;
  const failure = await fc.assert(
    fc.asyncProperty(sessions, cuts, async (bytes, sizes) => {
      check(bytes, await runSession(port, cut(bytes, sizes)));
      runs++;
    }),
    { numRuns: 1000, interruptAfterTimeLimit: TIME_LIMIT, ...SEED },
  ).then(() => undefined, (error: unknown) => error);
  // Rejects if the background game went wrong.
  const games = await player.stop();
  if (failure !== undefined) throw failure;
  assert.ok(games >= 1, "the background game completed");
  assert.ok(runs >= 20, `only ${runs} runs`);
  await using after = await RawClient.connect(port);
  await playGame(after, 50n, secret);
  await assertOnlyConnection(server, after);
  return runs;
}

describe("fuzzing a live server", () => {
  test(
    "random sessions of valid, near-miss, noisy and long lines in random writes: every reply as the rules say",
    LIMIT,
    async () => {
      let numbers = 0;
      let closed = 0;
      const runs = await fuzzLive(session, (bytes, replies) => {
        const result = checkReplies(bytes, replies, MAX_LINE);
        numbers += result.numbers;
        if (result.closed) closed++;
      }, 33n);
      assert.ok(numbers > runs, `only ${numbers} NUMBER lines in ${runs} runs`);
      assert.ok(closed > 0 && closed < runs, `${closed} of ${runs} runs had a long line`);
    },
  );

  test("random byte soup in random writes: every reply as the rules say", LIMIT, async () => {
    await fuzzLive(soup, (bytes, replies) => void checkReplies(bytes, replies, MAX_LINE), 1n);
  });

  test(
    "random sessions over serveConnection() and in-memory streams: every reply as the rules say",
    LIMIT,
    async () => {
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(session, cuts, async (bytes, sizes) => {
          const toServer = new TransformStream<Uint8Array, Uint8Array>();
          const fromServer = new TransformStream<Uint8Array, Uint8Array>();
          const done = serveConnection(
            { readable: toServer.readable, writable: fromServer.writable },
            { quiet: true, maxLineBytes: MAX_LINE },
          );
          const writer = toServer.writable.getWriter();
          const replies = Array.fromAsync(readLines(fromServer.readable));
          try {
            for (const piece of cut(bytes, sizes)) await writer.write(piece);
            await writer.close();
          } catch {
            // Closed after a too-long line.
          }
          checkReplies(bytes, await within(replies, READ_TIMEOUT, "the replies"), MAX_LINE);
          await within(done, READ_TIMEOUT, "serveConnection() to settle");
          runs++;
        }),
        { numRuns: 1000, interruptAfterTimeLimit: TIME_LIMIT, ...SEED },
      );
      assert.ok(runs >= 20, `only ${runs} runs`);
    },
  );
});
