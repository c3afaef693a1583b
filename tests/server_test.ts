/**
 * The server over real loopback sockets, and over in-memory streams: every
 * error code, the line rules, the game rules, shutdown, backpressure, peers
 * that reset or half-close, and memory under a flood of endless lines.
 *
 * Runs unchanged under `node --test`, `bun test` and
 * `deno test --allow-net --allow-read --allow-run --allow-env`. The test
 * client is `node:net`, which all three runtimes have; every read has a
 * timeout, so no test can hang.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import process from "node:process";
import { describe, test } from "node:test";
import {
  type GameServerOptions,
  serve,
  serveConnection,
  type ServeOptions,
  type Server,
} from "../server.ts";
import { decide, ERROR_CODES, type ErrorCode, readLines } from "../protocol.ts";
import { HOST, RawClient, READ_TIMEOUT, within } from "./_raw_client.ts";

/**
 * Every test's ceiling (Bun's default is 5 s); the reads and waits inside have
 * their own, shorter, timeouts.
 */
const LIMIT = { timeout: 60_000 };
const encoder = new TextEncoder();
const LF = 10;

// ---------------------------------------------------------------------------
// Helpers

/** What a bug in a strategy or a listener looks like. */
function throwBug(): never {
  throw new Error("a bug");
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Starts a quiet server on a free loopback port. */
function start(options: ServeOptions = {}): Promise<Server> {
  return serve({ hostname: HOST, port: 0, quiet: true, ...options });
}

/** Asserts `line` is a canonical decimal integer in `lower..upper`, and returns it. */
function assertNumber(line: string | null, lower: bigint, upper: bigint): bigint {
  assert.ok(line !== null, "expected a number, got a closed connection");
  assert.match(line, /^-?(0|[1-9][0-9]*)$/, `expected a number, got ${JSON.stringify(line)}`);
  const value = BigInt(line);
  assert.ok(value >= lower && value <= upper, `${value} is outside ${lower}..${upper}`);
  return value;
}

/** Asserts `line` is `ERROR <code> <message>` with a non-empty message. */
function assertError(line: string | null, code: ErrorCode): void {
  assert.ok(line !== null, `expected ERROR ${code}, got a closed connection`);
  assert.ok(
    line.startsWith(`ERROR ${code} `) && line.length > `ERROR ${code} `.length,
    `expected ERROR ${code} with a message, got ${JSON.stringify(line)}`,
  );
  assert.ok(!line.includes("\r"), "an ERROR line has no \\r");
}

/** An expected reply: a number in a range, or an error code. */
type Expect = ErrorCode | readonly [bigint, bigint];

function assertReply(line: string | null, expected: Expect): void {
  if (typeof expected === "string") assertError(line, expected);
  else assertNumber(line, expected[0], expected[1]);
}

/**
 * Plays one whole game as the reference's client does, one round trip per
 * guess: asserts distinct in-range guesses until `Correct`, that NUMBER then
 * repeats the secret, and ends the game. Returns how many guesses it took.
 */
async function playGame(
  client: RawClient,
  lower: bigint,
  upper: bigint,
  secret: bigint,
  onGuess?: () => void,
): Promise<number> {
  await client.write(`PARAMS ${lower} ${upper}\n`);
  const seen = new Set<bigint>();
  let previous: bigint | undefined;
  const size = Number(upper - lower + 1n);
  for (let i = 0; i < size; i++) {
    await client.write("NUMBER\n");
    const guess = assertNumber(await client.line(), lower, upper);
    assert.ok(!seen.has(guess), `${guess} guessed twice`);
    seen.add(guess);
    onGuess?.();
    const outcome = decide(secret, guess, previous);
    previous = outcome.distance;
    await client.write(`REPORT ${outcome.decision}\n`);
    if (outcome.decision === "Correct") {
      await client.write("NUMBER\n");
      assert.equal(assertNumber(await client.line(), lower, upper), secret);
      await client.write("PARAMS 0 -1\n");
      return seen.size;
    }
  }
  assert.fail(`never guessed ${secret} in ${lower}..${upper}`);
}

/** A connection served by `serveConnection()` over in-memory streams. */
function memoryConnection(options: GameServerOptions = {}) {
  const toServer = new TransformStream<Uint8Array, Uint8Array>();
  const fromServer = new TransformStream<Uint8Array, Uint8Array>();
  const done = serveConnection(
    { readable: toServer.readable, writable: fromServer.writable },
    { quiet: true, ...options },
  );
  const writer = toServer.writable.getWriter();
  // Nothing reads the replies until a test asks for them.
  let lines: ReadableStreamDefaultReader<string> | undefined;
  let bytes: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return {
    done,
    writer,
    send: (text: string | Uint8Array) =>
      writer.write(typeof text === "string" ? encoder.encode(text) : text),
    /** The next line, or `null` when the server has ended the stream. */
    async readLine(): Promise<string | null> {
      lines ??= readLines(fromServer.readable).getReader();
      const { value, done } = await within(lines.read(), READ_TIMEOUT, "a line from memory");
      return done ? null : value;
    },
    /**
     * Reads replies as raw bytes until `n` lines have come and the stream has
     * ended, within `ms`; returns how many lines, and how many bytes were not
     * digits or `\n`.
     */
    countToEnd(ms: number): Promise<{ lines: number; stray: number }> {
      bytes ??= fromServer.readable.getReader();
      const reader = bytes;
      return within(
        (async () => {
          let count = 0;
          let stray = 0;
          for (let r = await reader.read(); !r.done; r = await reader.read()) {
            for (const byte of r.value) {
              if (byte === LF) count++;
              else if (byte < 48 || byte > 57) stray++;
            }
          }
          return { lines: count, stray };
        })(),
        ms,
        "the replies from memory",
      );
    },
    async dispose() {
      await writer.abort().catch(() => {});
      await (lines ?? bytes ?? fromServer.readable).cancel().catch(() => {});
    },
  };
}

// ---------------------------------------------------------------------------
// Every error code

interface ErrorCase {
  readonly code: ErrorCode;
  readonly title: string;
  readonly options?: ServeOptions;
  /** Sent first; each of its NUMBERs is answered before the bad input. */
  readonly setup?: string;
  readonly setupReplies?: number;
  /** The bad input, written piece by piece; or a function that provokes the error. */
  readonly bad?: readonly (string | Uint8Array)[];
  readonly provoke?: (client: RawClient, server: Server) => Promise<void>;
  /** For a code that keeps the connection: what to send next, and the range its number is in. */
  readonly resume?: string;
  readonly range?: readonly [bigint, bigint];
}

const GAME = "PARAMS 1 10\n";

const ERROR_CASES: readonly ErrorCase[] = [
  {
    code: "internal",
    title: "a report listener that throws",
    options: { quiet: false, onReport: () => throwBug(), onError: () => {} },
    setup: GAME + "NUMBER\n",
    setupReplies: 1,
    bad: ["REPORT Unsure\n"],
  },
  { code: "unknown-command", title: "GUESS", setup: GAME, bad: ["GUESS 5\n"] },
  { code: "wrong-fields", title: "PARAMS with one field", setup: GAME, bad: ["PARAMS 1\n"] },
  { code: "not-integer", title: "PARAMS one 10", setup: GAME, bad: ["PARAMS one 10\n"] },
  {
    code: "bad-decision",
    title: "REPORT Hotter",
    setup: GAME + "NUMBER\n",
    setupReplies: 1,
    bad: ["REPORT Hotter\n"],
  },
  // The game is as it was: its NUMBER is still in 1..10.
  { code: "bad-range", title: "PARAMS 10 1 in a game", setup: GAME, bad: ["PARAMS 10 1\n"] },
  {
    code: "no-game",
    title: "NUMBER before PARAMS",
    bad: ["NUMBER\n"],
    resume: GAME + "NUMBER\n",
  },
  { code: "no-guess", title: "REPORT before NUMBER", setup: GAME, bad: ["REPORT Warmer\n"] },
  {
    code: "no-guess",
    title: "a second REPORT of one guess",
    setup: GAME + "NUMBER\nREPORT Unsure\n",
    setupReplies: 1,
    bad: ["REPORT Colder\n"],
  },
  {
    code: "exhausted",
    title: "NUMBER after the only number of 7..7",
    setup: "PARAMS 7 7\nNUMBER\nREPORT Unsure\n",
    setupReplies: 1,
    bad: ["NUMBER\n"],
    resume: GAME + "NUMBER\n",
  },
  {
    code: "bad-utf8",
    title: "bytes 0xff 0xfe",
    setup: GAME,
    bad: [new Uint8Array([0xff, 0xfe, LF])],
  },
  {
    code: "line-too-long",
    title: "a 29-byte line over maxLineBytes 16",
    options: { maxLineBytes: 16 },
    setup: GAME,
    bad: ["PARAMS 1 " + "0".repeat(20) + "\n"],
  },
  {
    code: "line-too-long",
    title: "a 40-byte line in 20 writes of 2 bytes, over maxLineBytes 16",
    options: { maxLineBytes: 16 },
    setup: GAME,
    bad: Array.from({ length: 20 }, (_, i) => (i === 19 ? "0\n" : "00")),
  },
  {
    code: "line-too-long",
    // 17 could still be 16 and the \r of a \r\n.
    title: "18 bytes and no newline yet, over maxLineBytes 16",
    options: { maxLineBytes: 16 },
    setup: GAME,
    bad: ["NUMBER", "NUMBER", "NUMBER"],
  },
  {
    code: "busy",
    title: "a second connection over maxConnections 1",
    options: { maxConnections: 1 },
  },
  {
    code: "idle",
    title: "silent for longer than idleTimeout 200",
    options: { idleTimeout: 200 },
    setup: GAME + "NUMBER\n",
    setupReplies: 1,
    provoke: async (client) => {
      const started = performance.now();
      const line = await client.readLine(3_000);
      const waited = performance.now() - started;
      // The server's clock is coarse (a quarter of the timeout), so allow it that much early.
      assert.ok(waited >= 140, `idle after only ${waited.toFixed(0)} ms`);
      assertError(line, "idle");
    },
  },
  {
    code: "shutting-down",
    title: "server.close() with a client in a game",
    setup: GAME + "NUMBER\n",
    setupReplies: 1,
    provoke: async (client, server) => {
      const closed = server.close();
      assertError(await client.readLine(), "shutting-down");
      await within(closed, READ_TIMEOUT, "server.close()");
      await within(server.finished, READ_TIMEOUT, "server.finished");
    },
  },
];

describe("every error code over a loopback socket", () => {
  for (const c of ERROR_CASES) {
    const closes = ERROR_CODES[c.code].closes;
    test(
      `${c.code} (${c.title}) ${closes ? "closes" : "keeps"} the connection`,
      LIMIT,
      async () => {
        await using server = await start(c.options);
        const port = server.addr.port;
        let holder: RawClient | undefined;
        if (c.code === "busy") {
          // The one allowed connection, answered, so the server has counted it.
          holder = await RawClient.connect(port);
          await holder.write(GAME + "NUMBER\n");
          assertNumber(await holder.line(), 1n, 10n);
        }
        await using client = await RawClient.connect(port);
        try {
          if (c.setup !== undefined) await client.write(c.setup);
          for (let i = 0; i < (c.setupReplies ?? 0); i++) {
            assertNumber(await client.line(), 1n, 10n);
          }
          if (c.provoke !== undefined) {
            await c.provoke(client, server);
          } else if (c.bad !== undefined) {
            await client.writeEach(c.bad);
            assertError(await client.readLine(), c.code);
          } else {
            assertError(await client.readLine(), c.code);
          }
          if (closes) {
            await client.expectClosed();
          } else {
            await client.write(c.resume ?? "NUMBER\n");
            const [lower, upper] = c.range ?? [1n, 10n];
            assertNumber(await client.line(), lower, upper);
          }
          if (holder !== undefined) {
            // The first connection plays on, and once it is gone a new one is let in.
            await holder.write("NUMBER\n");
            assertNumber(await holder.line(), 1n, 10n);
            holder.destroy();
            await within(waitForSlot(port), READ_TIMEOUT, "a free connection slot");
          }
        } finally {
          holder?.destroy();
        }
      },
    );
  }

  test("every code in ERROR_CODES is covered by the table", LIMIT, () => {
    const covered = new Set(ERROR_CASES.map((c) => c.code));
    assert.deepEqual([...covered].sort(), Object.keys(ERROR_CODES).sort());
  });
});

/**
 * Connects until the server accepts (its count of connections drops only when
 * it has seen the close); each attempt is a full round trip.
 */
async function waitForSlot(port: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    await using client = await RawClient.connect(port);
    // A refused connection may be closed before this is written.
    await client.write("PARAMS 1 1\nNUMBER\n").catch(() => {});
    const line = await client.readLine();
    if (line === "1") return;
    assertError(line, "busy");
  }
  assert.fail("no connection slot came free in 200 attempts");
}

// ---------------------------------------------------------------------------
// What a line may look like

interface ToleranceCase {
  readonly title: string;
  readonly send: readonly (string | Uint8Array)[];
  readonly expect: readonly Expect[];
}

const bytes = (...values: (number | string)[]) =>
  new Uint8Array(values.flatMap((v) => typeof v === "string" ? [...encoder.encode(v)] : [v]));

const TOLERANCE: readonly ToleranceCase[] = [
  { title: "CRLF endings", send: ["PARAMS 1 5\r\nNUMBER\r\n"], expect: [[1n, 5n]] },
  {
    title: "empty lines, bare CRLFs included, get no reply",
    send: ["\n\r\n\nPARAMS 1 5\n\n\r\n\nNUMBER\n\r\n"],
    expect: [[1n, 5n]],
  },
  { title: "+5 and 007 are integers", send: ["PARAMS +5 007\nNUMBER\n"], expect: [[5n, 7n]] },
  { title: "-0 and +0 are 0", send: ["PARAMS -0 +0\nNUMBER\n"], expect: [[0n, 0n]] },
  { title: "-007 and -05", send: ["PARAMS -007 -05\nNUMBER\n"], expect: [[-7n, -5n]] },
  {
    title: "lowercase commands are unknown",
    send: ["PARAMS 1 5\nnumber\nNumber\nparams 1 5\nreport Correct\nNUMBER\n"],
    expect: [
      "unknown-command",
      "unknown-command",
      "unknown-command",
      "unknown-command",
      [1n, 5n],
    ],
  },
  {
    title: "two spaces between fields are refused",
    send: ["PARAMS  1 5\nPARAMS 1 5\nNUMBER\n"],
    expect: ["wrong-fields", [1n, 5n]],
  },
  {
    title: "NUMBER takes no field",
    send: ["PARAMS 1 5\nNUMBER x\nNUMBER \nNUMBER\n"],
    expect: ["wrong-fields", "wrong-fields", [1n, 5n]],
  },
  {
    title: "trailing and leading spaces, tabs",
    send: ["PARAMS 1 5 \n NUMBER\nPARAMS 1\t5\nREPORT\nREPORT Warmer Colder\nPARAMS 1 5\nNUMBER\n"],
    expect: [
      "wrong-fields",
      "unknown-command",
      "wrong-fields",
      "wrong-fields",
      "wrong-fields",
      [1n, 5n],
    ],
  },
  {
    title: "decisions are case-sensitive",
    send: ["PARAMS 1 5\nNUMBER\nREPORT correct\nREPORT CORRECT\nREPORT Unsure\n"],
    expect: [[1n, 5n], "bad-decision", "bad-decision"],
  },
  {
    title: "only ASCII decimal digits are integers",
    send: [
      "PARAMS 1.0 5\nPARAMS 1e3 5\nPARAMS 0x10 20\nPARAMS ++1 5\nPARAMS - 5\n" +
      "PARAMS 1 \uff15\nPARAMS 1 5_0\nPARAMS 1 \u0665\nPARAMS 1 5\nNUMBER\n",
    ],
    expect: [
      "not-integer",
      "not-integer",
      "not-integer",
      "not-integer",
      "not-integer",
      "not-integer",
      "not-integer",
      "not-integer",
      [1n, 5n],
    ],
  },
  {
    title: "a \\r inside a line, two before the \\n, or a NUL is part of the line",
    send: ["PARAMS 1 5\nNUM\rBER\nNUMBER\r\r\nNUMBER\0\nNUMBER\n"],
    expect: ["unknown-command", "unknown-command", "unknown-command", [1n, 5n]],
  },
  {
    title: "a character split across writes is decoded whole",
    send: [bytes("PARAMS 1 5\nNUMBER\nREPORT caf", 0xc3), bytes(0xa9, LF, "NUMBER\n")],
    expect: [[1n, 5n], "bad-decision", [1n, 5n]],
  },
  {
    title: "a BOM is not skipped",
    send: [bytes(0xef, 0xbb, 0xbf, "NUMBER\nPARAMS 1 5\nNUMBER\n")],
    expect: ["unknown-command", [1n, 5n]],
  },
  {
    title: "overlong, surrogate and truncated sequences are bad-utf8",
    send: [bytes(0xc0, 0xaf, LF, 0xed, 0xa0, 0x80, LF, "PARAMS 1 5", 0xe2, 0x82, LF, "NUMBER\n")],
    expect: ["bad-utf8", "bad-utf8", "bad-utf8", "no-game"],
  },
  {
    title: "a line of exactly maxLineBytes (4096) is read, CRLF or not",
    send: [
      `PARAMS 1 ${"0".repeat(4096 - 10)}5\r\n`,
      `NUMBER\nREPORT Unsure\nREPORT${" ".repeat(4096 - 6)}\n`,
    ],
    expect: [[1n, 5n], "wrong-fields"],
  },
];

describe("line rules", () => {
  for (const c of TOLERANCE) {
    test(c.title, LIMIT, async () => {
      await using server = await start();
      await using client = await RawClient.connect(server.addr.port);
      await client.writeEach(c.send);
      for (const expected of c.expect) assertReply(await client.line(), expected);
      // Nothing more than that: a probe's answer is the very next line.
      await client.write("PARAMS 0 -1\nNUMBER\n");
      assertError(await client.line(), "no-game");
    });
  }

  test(
    "maxLineBytes 16: 16 bytes pass, with \\r\\n split across writes too; 17 do not",
    LIMIT,
    async () => {
      await using server = await start({ maxLineBytes: 16 });
      await using client = await RawClient.connect(server.addr.port);
      await client.writeEach(["PARAMS 1 1234567\r", "\nNUMBER\r", "\n"]);
      assertNumber(await client.line(), 1n, 1234567n);
      await client.write("PARAMS 1 12345678\n");
      assertError(await client.line(), "line-too-long");
      await client.expectClosed();
    },
  );
});

// ---------------------------------------------------------------------------
// The game

describe("game rules over loopback", () => {
  test("1..5 gives 5 distinct numbers, then ERROR exhausted", LIMIT, async () => {
    await using server = await start();
    await using client = await RawClient.connect(server.addr.port);
    await client.write("PARAMS 1 5\n");
    const seen = new Set<bigint>();
    for (let i = 0; i < 5; i++) {
      await client.write("NUMBER\nREPORT Unsure\n");
      seen.add(assertNumber(await client.line(), 1n, 5n));
    }
    assert.deepEqual([...seen].sort(), [1n, 2n, 3n, 4n, 5n]);
    await client.write("NUMBER\nNUMBER\n");
    assertError(await client.line(), "exhausted");
    assertError(await client.line(), "exhausted");
    // A new game starts afresh.
    await client.write("PARAMS 1 5\nNUMBER\n");
    assertNumber(await client.line(), 1n, 5n);
  });

  test("after REPORT Correct, NUMBER repeats that number", LIMIT, async () => {
    await using server = await start();
    await using client = await RawClient.connect(server.addr.port);
    await client.write("PARAMS 1 1000\nNUMBER\n");
    const guess = assertNumber(await client.line(), 1n, 1000n);
    await client.write("REPORT Correct\nNUMBER\nREPORT Correct\nNUMBER\nNUMBER\n");
    assert.deepEqual(await client.lines(3), [`${guess}`, `${guess}`, `${guess}`]);
  });

  test("PARAMS 0 -1 ends the game: NUMBER is then no-game", LIMIT, async () => {
    await using server = await start();
    await using client = await RawClient.connect(server.addr.port);
    await client.write("PARAMS 1 5\nNUMBER\nPARAMS 0 -1\nNUMBER\nREPORT Unsure\n");
    assertNumber(await client.line(), 1n, 5n);
    assertError(await client.line(), "no-game");
    // The guess was dropped with its game.
    assertError(await client.line(), "no-guess");
  });

  test("-5..10^29 gives 200 exact, in-range, distinct numbers", LIMIT, async () => {
    await using server = await start();
    await using client = await RawClient.connect(server.addr.port);
    const upper = 10n ** 29n;
    await client.write(`PARAMS -5 ${upper}\n` + "NUMBER\nREPORT Colder\n".repeat(200));
    const seen = new Set<bigint>();
    for (const line of await client.lines(200)) {
      const value = assertNumber(line, -5n, upper);
      assert.equal(`${value}`, line, "the number is written exactly");
      seen.add(value);
    }
    assert.equal(seen.size, 200);
    // Numbers that large would be far apart: these are not 2^53-rounded floats.
    assert.ok([...seen].some((n) => n > 2n ** 64n));
  });

  test(
    "pipelining: 2000 commands in one write get their 1500 replies in order",
    LIMIT,
    async () => {
      await using server = await start();
      await using client = await RawClient.connect(server.addr.port);
      // Each block of 8 lines has 6 replies: no-game, 2 numbers, unknown-command,
      // exhausted, no-game.
      const block = "NUMBER\nPARAMS 1 2\nNUMBER\nBOGUS\nNUMBER\nNUMBER\nPARAMS 0 -1\nNUMBER\n";
      await client.write(block.repeat(250));
      for (let i = 0; i < 250; i++) {
        const [a, b, c, d, e, f] = await client.lines(6);
        assertError(a, "no-game");
        const first = assertNumber(b, 1n, 2n);
        assertError(c, "unknown-command");
        assert.equal(assertNumber(d, 1n, 2n), 3n - first);
        assertError(e, "exhausted");
        assertError(f, "no-game");
      }
      await client.write("NUMBER\n");
      assertError(await client.line(), "no-game");
    },
  );

  test("a second connection's game is unaffected while a first sends garbage", LIMIT, async () => {
    await using server = await start();
    await using junk = await RawClient.connect(server.addr.port);
    await using good = await RawClient.connect(server.addr.port);
    const garbage = [
      "PARAMS 1 10\n",
      "NUMBER x\n",
      "REPORT\n",
      bytes(0xff, 0xfe, 0x00, LF),
      "PARAMS 9 1\n",
      "\r\n",
      "REPORT Correct\n",
      "HELLO\r\n",
    ];
    // One ERROR line per bad line: 6 of every 8 lines are bad.
    let sent = 0;
    const flood = (async () => {
      for (let i = 0; i < 200; i++) {
        await junk.writeEach(garbage);
        sent += 6;
      }
    })();
    flood.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
    let guesses = 0;
    for (let game = 0; game < 3; game++) {
      guesses += await playGame(good, 1n, 100n, BigInt(17 + game * 30));
    }
    await flood;
    assert.ok(guesses >= 3);
    for (let i = 0; i < sent; i++) {
      const line = await junk.line();
      assert.match(line, /^ERROR (wrong-fields|bad-utf8|bad-range|no-guess|unknown-command) /);
    }
    await junk.write("NUMBER\n");
    assertNumber(await junk.line(), 1n, 10n);
  });
});

describe("a fault of the server's own", () => {
  test(
    "a strategy that throws ends that connection with ERROR internal, logs one line, and every other game plays on",
    LIMIT,
    async () => {
      // The random strategy draws its keys at PARAMS: this source fails on its
      // first draw only, so exactly one game's PARAMS meets the bug.
      let draws = 0;
      const faults: unknown[] = [];
      await using server = await start({
        random: () => {
          if (draws++ === 0) throwBug();
          return Math.random();
        },
        onError: (error) => faults.push(error),
      });
      await using broken = await RawClient.connect(server.addr.port);
      await broken.write("PARAMS 1 10\n");
      assertError(await broken.readLine(), "internal");
      await broken.expectClosed();
      assert.equal(faults.length, 1);
      assert.match(String(faults[0]), /a bug/);
      await using good = await RawClient.connect(server.addr.port);
      assert.ok((await playGame(good, 1n, 100n, 42n)) >= 1);
      assert.equal(server.connections, 1);
    },
  );

  test("by default the fault is one line on stderr", LIMIT, async () => {
    const logged: string[] = [];
    const error = console.error;
    console.error = (...args: unknown[]) => void logged.push(args.join(" "));
    try {
      await using server = await start({ quiet: false, onReport: () => throwBug() });
      await using client = await RawClient.connect(server.addr.port);
      await client.write(GAME + "NUMBER\nREPORT Unsure\n");
      assertNumber(await client.line(), 1n, 10n);
      assertError(await client.readLine(), "internal");
      await client.expectClosed();
    } finally {
      console.error = error;
    }
    assert.equal(logged.length, 1, JSON.stringify(logged));
    assert.match(logged[0], /internal error.*a bug/);
    assert.ok(!logged[0].includes("\n"));
  });
});

// ---------------------------------------------------------------------------
// serveConnection() over in-memory streams

describe("serveConnection() over in-memory TransformStreams", () => {
  test("a game, errors and pipelining, then the peer's end closes it", LIMIT, async () => {
    const peer = memoryConnection();
    try {
      await peer.send("NUMBER\nPARAMS 1 3\r\nNUMBER\nREPORT Unsure\nNUMBER\n");
      assertError(await peer.readLine(), "no-game");
      const a = assertNumber(await peer.readLine(), 1n, 3n);
      const b = assertNumber(await peer.readLine(), 1n, 3n);
      assert.notEqual(a, b);
      await peer.send(bytes("REPORT Correct\nNUMBER\nREPORT x\n", 0xff, LF, "NUMB"));
      await peer.send("ER\nPARAMS 5 1\n");
      assert.equal(await peer.readLine(), `${b}`);
      assertError(await peer.readLine(), "bad-decision");
      assertError(await peer.readLine(), "bad-utf8");
      assert.equal(await peer.readLine(), `${b}`);
      assertError(await peer.readLine(), "bad-range");
      // A last line with no \n is still answered when the peer ends.
      await peer.send("NUMBER");
      await peer.writer.close();
      assert.equal(await peer.readLine(), `${b}`);
      assert.equal(await peer.readLine(), null);
      await within(peer.done, READ_TIMEOUT, "serveConnection() to settle");
    } finally {
      await peer.dispose();
    }
  });

  test("line-too-long closes the streams and settles the promise", LIMIT, async () => {
    const peer = memoryConnection({ maxLineBytes: 10 });
    try {
      await peer.send("PARAMS 1 2\nNUMBER\nNUMBER 1234\nNUMBER\n");
      assertNumber(await peer.readLine(), 1n, 2n);
      assertError(await peer.readLine(), "line-too-long");
      assert.equal(await peer.readLine(), null);
      await within(peer.done, READ_TIMEOUT, "serveConnection() to settle");
    } finally {
      await peer.dispose();
    }
  });

  test(
    "backpressure: with replies unread, at most 5000 of 200000 NUMBERs (155 KB) are answered; all once read",
    LIMIT,
    async () => {
      let answered = 0;
      const peer = memoryConnection({ quiet: false, log: () => answered++ });
      try {
        const count = 200_000;
        const perChunk = 1_000;
        // Each reply is the 30-digit secret: 31 bytes. The high-water mark is
        // 64 KiB: two chunks' replies fit under it, the third passes it.
        const secret = 10n ** 29n;
        const writes = [peer.send(`PARAMS ${secret} ${secret}\n`)];
        const chunk = encoder.encode("NUMBER\nREPORT Correct\n".repeat(perChunk));
        for (let i = 0; i < count / perChunk; i++) writes.push(peer.writer.write(chunk));
        for (const write of writes) write.catch(() => {}); // awaited below
        // Only promise jobs move in-memory streams: once a timer turn passes with
        // no progress, nothing more will happen until a reply is read.
        let last = -1;
        for (let turn = 0; turn < 1000 && answered !== last; turn++) {
          last = answered;
          await delay(0);
        }
        assert.equal(answered, last, "the server should have come to a stop");
        assert.ok(answered > 0, "the server should have answered some");
        assert.ok(answered <= 5_000, `${answered} answered with no reply read`);
        const counted = peer.countToEnd(30_000);
        await within(Promise.all(writes), 30_000, "every write to be taken");
        await peer.writer.close();
        assert.deepEqual(await counted, { lines: count, stray: 0 });
        assert.equal(answered, count);
        await within(peer.done, READ_TIMEOUT, "serveConnection() to settle");
      } finally {
        await peer.dispose();
      }
    },
  );
});

// ---------------------------------------------------------------------------
// Shutdown

describe("shutdown", () => {
  test(
    "replies to lines already read arrive before ERROR shutting-down, the last line; finished resolves",
    LIMIT,
    async () => {
      const server = await start({ shutdownTimeout: 10_000 });
      try {
        await using client = await RawClient.connect(server.addr.port);
        await using idle = await RawClient.connect(server.addr.port);
        await idle.write("PARAMS 1 5\nNUMBER\n");
        assertNumber(await idle.line(), 1n, 5n);
        await client.write("PARAMS 1 100000\n" + "NUMBER\n".repeat(1000));
        // The server has read at least the chunk this reply answers.
        const first = assertNumber(await client.line(), 1n, 100000n);
        const closed = server.close();
        const rest: string[] = [];
        for (let line = await client.readLine(); line !== null; line = await client.readLine()) {
          rest.push(line);
        }
        assert.ok(rest.length >= 1 && rest.length <= 1000, `${rest.length} lines after the first`);
        assertError(rest.at(-1)!, "shutting-down");
        const seen = new Set([first]);
        for (const line of rest.slice(0, -1)) seen.add(assertNumber(line, 1n, 100000n));
        assert.equal(seen.size, rest.length, "the numbers are distinct");
        assertError(await idle.line(), "shutting-down");
        await idle.expectClosed();
        await within(closed, READ_TIMEOUT, "server.close()");
        await within(server.finished, READ_TIMEOUT, "server.finished");
        assert.equal(server.connections, 0);
        await assert.rejects(RawClient.connect(server.addr.port));
      } finally {
        await server.close();
      }
    },
  );

  test("close() twice is harmless and returns the same promise", LIMIT, async () => {
    const server = await start();
    await using client = await RawClient.connect(server.addr.port);
    await client.write("PARAMS 1 5\nNUMBER\n");
    assertNumber(await client.line(), 1n, 5n);
    const first = server.close();
    const second = server.close();
    assert.equal(first, second);
    await within(Promise.all([first, second]), READ_TIMEOUT, "close() twice");
    await within(server.close(), READ_TIMEOUT, "close() a third time, after finishing");
    await within(server.finished, READ_TIMEOUT, "server.finished");
    assertError(await client.readLine(), "shutting-down");
    await client.expectClosed();
  });

  test("await using closes the server at the end of its block", LIMIT, async () => {
    let kept: Server | undefined;
    let client: RawClient | undefined;
    try {
      {
        await using server = await start();
        kept = server;
        client = await RawClient.connect(server.addr.port);
        await client.write("PARAMS 1 5\nNUMBER\n");
        assertNumber(await client.line(), 1n, 5n);
      }
      await within(kept.finished, READ_TIMEOUT, "server.finished after the block");
      assertError(await client.readLine(), "shutting-down");
      await client.expectClosed();
      await assert.rejects(RawClient.connect(kept.addr.port));
    } finally {
      client?.destroy();
      await kept?.close();
    }
  });

  test("an AbortSignal passed as signal closes the server", LIMIT, async () => {
    const controller = new AbortController();
    const server = await start({ signal: controller.signal });
    try {
      await using client = await RawClient.connect(server.addr.port);
      await client.write("PARAMS 1 5\nNUMBER\n");
      assertNumber(await client.line(), 1n, 5n);
      controller.abort();
      assertError(await client.readLine(), "shutting-down");
      await client.expectClosed();
      await within(server.finished, READ_TIMEOUT, "server.finished after abort");
    } finally {
      await server.close();
    }
  });

  test("an already aborted signal refuses to serve", LIMIT, async () => {
    await assert.rejects(start({ signal: AbortSignal.abort() }));
  });

  test(
    "idleTimeout and shutdownTimeout past 2^31 - 1 ms are refused with RangeError",
    LIMIT,
    async () => {
      for (const name of ["idleTimeout", "shutdownTimeout"]) {
        await assert.rejects(
          start({ [name]: 3e9 }),
          (e) =>
            e instanceof RangeError && e.message.includes(name) && /2147483647/.test(e.message),
        );
      }
      // At the limit, an idle connection is kept, not cut at once.
      await using server = await start({ idleTimeout: 2 ** 31 - 1, shutdownTimeout: 2 ** 31 - 1 });
      await using client = await RawClient.connect(server.addr.port);
      await delay(50);
      await client.write(GAME + "NUMBER\n");
      assertNumber(await client.line(), 1n, 10n);
    },
  );
});

// ---------------------------------------------------------------------------
// Peers that misbehave

describe("misbehaving peers", () => {
  test(
    "backpressure: a peer that does not read is answered fewer than 32000 of its 64000 NUMBERs (32 MB of 1001-byte replies) until it reads, then all",
    LIMIT,
    async () => {
      // Each reply is a 1000-digit number: 64 MB if the server never paused. A
      // pausing server answers no more than the kernel's buffers hold (a few MB).
      const big = 10n ** 999n;
      const count = 64_000;
      let answered = 0;
      let allAnswered!: () => void;
      const all = new Promise<void>((resolve) => allAnswered = resolve);
      await using server = await start({
        quiet: false,
        log: (line) => {
          if (line.length > 1000 && ++answered === count) allAnswered();
        },
      });
      await using flood = await RawClient.connect(server.addr.port);
      await using good = await RawClient.connect(server.addr.port);
      flood.pause();
      flood.countOnly();
      const written = flood.write(
        `PARAMS ${big} ${big}\n` + "NUMBER\nREPORT Correct\n".repeat(count),
        Infinity, // awaited, with a timeout, once the flood reads
      );
      written.catch(() => {}); // awaited below
      // Play on while the flood is served, until its count has stood still for
      // 20 round trips of the good client in a row.
      let still = 0;
      let last = -1;
      let games = 0;
      const deadline = performance.now() + 20_000;
      while (still < 20 && performance.now() < deadline) {
        await playGame(good, 1n, 20n, BigInt(1 + (games % 20)), () => {
          if (answered > 0 && answered === last) still++;
          else still = 0;
          last = answered;
        });
        games++;
      }
      assert.ok(still >= 20, `the flood was still being answered (${answered}) after 20 s`);
      assert.ok(answered > 0, "the flood was never answered");
      assert.ok(answered < count / 2, `${answered} of ${count} answered with no reply read`);
      // Now it reads: every reply arrives.
      flood.resume();
      await flood.waitReceived(count);
      await within(written, READ_TIMEOUT, "the flood to be written");
      assert.equal(flood.received, count);
      // A last REPORT may wait for a turn of its own after the last reply.
      await within(all, READ_TIMEOUT, `every REPORT to be answered (${answered} of ${count})`);
      assert.equal(flood.strayBytes, 0, "every reply is the number");
      await playGame(good, 1n, 20n, 7n);
    },
  );

  test(
    "a peer that resets mid-line or with replies pending leaves the server serving",
    LIMIT,
    async () => {
      await using server = await start();
      const port = server.addr.port;
      {
        const client = await RawClient.connect(port);
        await client.write("PARAMS 1 5\nNUMBER\nNUMB");
        assertNumber(await client.line(), 1n, 5n);
        client.destroy();
      }
      {
        const client = await RawClient.connect(port);
        client.pause();
        await client.write(`PARAMS ${10n ** 999n} ${10n ** 999n}\n` + "NUMBER\n".repeat(5000));
        client.destroy();
      }
      await using next = await RawClient.connect(port);
      await playGame(next, 1n, 50n, 42n);
      // The two reset connections are dropped: only `next` is left.
      for (let i = 0; i < 200 && server.connections !== 1; i++) {
        await next.write("NUMBER\n");
        await next.line();
      }
      assert.equal(server.connections, 1);
    },
  );

  test(
    "a peer that half-closes gets the reply to its last unended line, then the close",
    LIMIT,
    async () => {
      await using server = await start();
      const port = server.addr.port;
      {
        await using client = await RawClient.connect(port);
        await client.write("PARAMS 1 5\nNUMBER\nREPORT Unsure\nNUMBER");
        client.end();
        const [a, b] = [await client.line(), await client.line()];
        assert.notEqual(assertNumber(a, 1n, 5n), assertNumber(b, 1n, 5n));
        await client.expectClosed();
      }
      {
        await using client = await RawClient.connect(port);
        await client.write("PARAMS 1 5\nNUMB");
        client.end();
        assertError(await client.line(), "unknown-command");
        await client.expectClosed();
      }
      {
        await using client = await RawClient.connect(port);
        await client.write("PARAMS 1 5\r\nNUMBER\r");
        client.end();
        assertNumber(await client.line(), 1n, 5n);
        await client.expectClosed();
      }
      await using next = await RawClient.connect(port);
      await playGame(next, 1n, 50n, 3n);
    },
  );

  // The margin is wide because a stalled event loop (a loaded machine) runs the
  // server's idle sweep before it reads what the peer sent meanwhile.
  test(
    "idle: a peer that talks every 40 ms for 1500 ms is not cut at idleTimeout 1000",
    LIMIT,
    async () => {
      await using server = await start({ idleTimeout: 1000 });
      await using client = await RawClient.connect(server.addr.port);
      await client.write("PARAMS 1 1000\n");
      const started = performance.now();
      while (performance.now() - started < 1500) {
        await delay(40);
        await client.write("NUMBER\n");
        assertNumber(await client.line(), 1n, 1000n);
      }
      const silent = performance.now();
      assertError(await client.readLine(), "idle");
      const waited = performance.now() - silent;
      assert.ok(waited >= 700, `cut after ${waited.toFixed(0)} ms of silence`);
      await client.expectClosed();
    },
  );

  test(
    "memory: 200 peers sending up to 4 MB with no newline are cut with line-too-long; RSS peaks < 200 MB above its start; a game completes meanwhile",
    LIMIT,
    async () => {
      await using server = await start();
      const port = server.addr.port;
      const peers = 200;
      const perPeer = 4 * 1024 * 1024;
      const budget = 4_000;
      const payload = Buffer.alloc(256 * 1024, "x".charCodeAt(0));
      // Warm up the server and the client code before measuring.
      {
        await using warm = await RawClient.connect(port);
        await playGame(warm, 1n, 20n, 5n);
      }
      const before = process.memoryUsage().rss;
      let peak = before;
      const sample = () => peak = Math.max(peak, process.memoryUsage().rss);
      const started = performance.now();
      let cut = 0;
      const clients: RawClient[] = [];
      const floods = Array.from({ length: peers }, async () => {
        const client = await RawClient.connect(port);
        clients.push(client);
        try {
          await client.write("PARAMS 1 5\n");
          let sent = 0;
          while (sent < perPeer && !client.eof && performance.now() - started < budget) {
            try {
              await client.write(payload);
            } catch {
              break; // the server has closed: EPIPE or ECONNRESET
            }
            sent += payload.length;
            sample();
          }
          assertError(await client.readLine(), "line-too-long");
          await client.expectClosed();
          cut++;
        } finally {
          client.destroy();
        }
      });
      let guesses = 0;
      let settled: PromiseSettledResult<void>[] = [];
      try {
        await using good = await RawClient.connect(port);
        guesses = await playGame(good, 1n, 100n, 64n, sample);
      } finally {
        // Each peer is bounded by its budget and its read timeouts.
        settled = await within(Promise.allSettled(floods), 30_000, "the flooding peers");
        for (const client of clients) client.destroy();
      }
      for (const result of settled) if (result.status === "rejected") throw result.reason;
      sample();
      const grown = peak - before;
      assert.ok(guesses >= 1);
      assert.equal(cut, peers);
      assert.ok(grown < 200 * 1024 * 1024, `RSS peaked ${(grown / 2 ** 20).toFixed(1)} MB up`);
      await using after = await RawClient.connect(port);
      await playGame(after, 1n, 20n, 11n);
    },
  );
});
