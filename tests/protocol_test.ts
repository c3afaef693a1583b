import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  type Command,
  decide,
  DECISIONS,
  formatCommand,
  formatError,
  LineStream,
  parseCommand,
  parseInteger,
  parseReply,
  ProtocolError,
} from "../protocol.ts";

function code(line: string): string | undefined {
  try {
    parseCommand(line);
    return undefined;
  } catch (error) {
    assert.ok(error instanceof ProtocolError, `${line}: ${error}`);
    return error.code;
  }
}

describe("parseCommand()", () => {
  test("parses the three commands, with exact big integers", () => {
    assert.deepEqual(parseCommand("NUMBER"), { type: "NUMBER" });
    assert.deepEqual(parseCommand("PARAMS -5 100000000000000000000000000000"), {
      type: "PARAMS",
      lower: -5n,
      upper: 100000000000000000000000000000n,
    });
    for (const decision of DECISIONS) {
      assert.deepEqual(parseCommand(`REPORT ${decision}`), { type: "REPORT", decision });
    }
  });

  test("accepts what Python's int() accepts of plain decimals: sign, leading zeros", () => {
    assert.deepEqual(parseCommand("PARAMS +1 007"), { type: "PARAMS", lower: 1n, upper: 7n });
    assert.deepEqual(parseCommand("PARAMS -0 0"), { type: "PARAMS", lower: 0n, upper: 0n });
  });

  test("refuses each kind of bad line with the code that names it", () => {
    const cases: [string, string][] = [
      ["GUESS", "unknown-command"],
      ["number", "unknown-command"],
      ["", "unknown-command"],
      [" NUMBER", "unknown-command"],
      ["NUMBER ", "wrong-fields"],
      ["NUMBER 5", "wrong-fields"],
      ["PARAMS 1", "wrong-fields"],
      ["PARAMS  1 5", "wrong-fields"],
      ["PARAMS 1 5 9", "wrong-fields"],
      ["REPORT", "wrong-fields"],
      ["REPORT Warmer now", "wrong-fields"],
      ["PARAMS 1 five", "not-integer"],
      ["PARAMS 1_000 5", "not-integer"],
      ["PARAMS 0x10 5", "not-integer"],
      ["PARAMS 1.5 5", "not-integer"],
      ["PARAMS \u0661 5", "not-integer"],
      ["PARAMS - 5", "not-integer"],
      ["REPORT warmer", "bad-decision"],
      ["REPORT Hotter", "bad-decision"],
      ["REPORT toString", "bad-decision"],
    ];
    for (const [line, expected] of cases) assert.equal(code(line), expected, JSON.stringify(line));
  });

  test("names the bad field in its message", () => {
    assert.throws(() => parseCommand("PARAMS 1 five"), /upper is not an integer: "five"/);
    assert.throws(() => parseCommand("PARAMS x 5"), /lower is not an integer: "x"/);
  });
});

describe("formatCommand()", () => {
  test("round-trips through parseCommand", () => {
    const commands: Command[] = [
      { type: "NUMBER" },
      { type: "PARAMS", lower: -(10n ** 40n), upper: 10n ** 40n },
      { type: "PARAMS", lower: 0n, upper: -1n },
      ...DECISIONS.map((decision) => ({ type: "REPORT", decision }) as const),
    ];
    for (const command of commands) assert.deepEqual(parseCommand(formatCommand(command)), command);
  });
});

describe("parseReply() and formatError()", () => {
  test("reads numbers and errors", () => {
    assert.deepEqual(parseReply("-12345678901234567890123"), {
      type: "number",
      value: -12345678901234567890123n,
    });
    assert.deepEqual(parseReply(formatError("no-game", "Send PARAMS\nfirst")), {
      type: "error",
      code: "no-game",
      message: "Send PARAMS first",
    });
  });

  test("refuses a reply that is neither", () => {
    assert.throws(
      () => parseReply("4.5"),
      (e) => e instanceof ProtocolError && e.code === "bad-reply",
    );
    assert.throws(() => parseReply(""), ProtocolError);
  });

  test("parseInteger() refuses what is not an integer", () => {
    assert.equal(parseInteger("-42"), -42n);
    assert.throws(() => parseInteger("4 2"), ProtocolError);
  });
});

describe("decide()", () => {
  test("follows the reference's rule", () => {
    assert.deepEqual(decide(3n, 3n), { decision: "Correct", distance: 0n });
    assert.deepEqual(decide(3n, 1n), { decision: "Unsure", distance: 2n });
    assert.equal(decide(3n, 4n, 2n).decision, "Warmer");
    assert.equal(decide(3n, 5n, 1n).decision, "Colder");
    assert.equal(decide(3n, 1n, 2n).decision, "Unsure");
    assert.equal(decide(3n, 3n, 2n).decision, "Correct");
  });

  test("is exact where floats are not", () => {
    const secret = 2n ** 60n;
    // As floats both distances are 2^60 + something that rounds away.
    const first = decide(secret, 1n);
    assert.equal(decide(secret, 2n, first.distance).decision, "Warmer");
  });

  test("agrees with a brute-force reading of the rule over small numbers", () => {
    for (let secret = -3n; secret <= 3n; secret++) {
      for (let previous = -3n; previous <= 3n; previous++) {
        for (let guess = -3n; guess <= 3n; guess++) {
          const d = (x: bigint) => x < secret ? secret - x : x - secret;
          const expected = d(guess) === 0n
            ? "Correct"
            : d(guess) < d(previous)
            ? "Warmer"
            : d(guess) > d(previous)
            ? "Colder"
            : "Unsure";
          assert.equal(decide(secret, guess, d(previous)).decision, expected);
        }
      }
    }
  });
});

async function lines(chunks: Uint8Array[], maxLineBytes?: number): Promise<string[]> {
  return await Array.fromAsync(
    ReadableStream.from(chunks).pipeThrough(new LineStream({ maxLineBytes })),
  );
}

function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

describe("LineStream", () => {
  const text = "PARAMS 1 5\r\nNUMBER\n\nREPORT Warmer\nd\u00e9j\u00e0 vu \u{1F600}\nlast";
  const expected = [
    "PARAMS 1 5",
    "NUMBER",
    "",
    "REPORT Warmer",
    "d\u00e9j\u00e0 vu \u{1F600}",
    "last",
  ];

  test("splits \\n and \\r\\n lines in one large chunk", async () => {
    assert.deepEqual(await lines([bytes(text)]), expected);
  });

  test("gives the same lines fed byte by byte", async () => {
    const all = bytes(text);
    assert.deepEqual(await lines(Array.from(all, (b) => Uint8Array.of(b))), expected);
  });

  test("gives the same lines at every split point, inside multi-byte characters too", async () => {
    const all = bytes(text);
    for (let cut = 0; cut <= all.length; cut++) {
      assert.deepEqual(
        await lines([all.subarray(0, cut), all.subarray(cut)]),
        expected,
        `cut ${cut}`,
      );
    }
  });

  test("keeps a \\r\\n cut between chunks", async () => {
    assert.deepEqual(await lines([bytes("NUMBER\r"), bytes("\nNUMBER\n")]), ["NUMBER", "NUMBER"]);
  });

  test("accepts a line of exactly the limit, with or without \\r", async () => {
    const line = "x".repeat(8);
    assert.deepEqual(await lines([bytes(`${line}\n${line}\r\n`)], 8), [line, line]);
  });

  test("errors with RangeError on a line over the limit in one chunk", async () => {
    await assert.rejects(lines([bytes("x".repeat(9) + "\n")], 8), RangeError);
  });

  test("errors with RangeError on a line over the limit before its end arrives", async () => {
    // No newline ever comes: the splitter must refuse rather than buffer.
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(1024).fill(65));
      },
    });
    await assert.rejects(
      Array.fromAsync(endless.pipeThrough(new LineStream({ maxLineBytes: 4096 }))),
      RangeError,
    );
    assert.ok(pulled <= 8, `read ${pulled} KiB before refusing`);
  });

  test("errors with TypeError on bytes that are not UTF-8", async () => {
    await assert.rejects(lines([Uint8Array.of(0xff, 0xfe, 10)]), TypeError);
  });

  test("refuses a limit that is not a positive integer", () => {
    assert.throws(() => new LineStream({ maxLineBytes: 0 }), RangeError);
  });
});
