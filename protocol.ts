/**
 * The warmer-colder line protocol, with no I/O: commands and replies as typed
 * values with their parse and format functions, the error codes, the client's
 * decision rule, and line splitting over a web `ReadableStream`.
 *
 * One UTF-8 line per message, ended by `\n` (a `\r` before it is dropped),
 * fields split by one space. The decisions have English words and the Korean
 * notes' words (the dialects); a server reads every spelling. See PROTOCOL.md
 * for the whole grammar.
 *
 * @example Parse a command and decide a report
 * ```ts
 * import { decide, formatCommand, parseCommand } from "@warmer-colder/warmer-colder/protocol";
 * import assert from "node:assert/strict";
 *
 * const command = parseCommand("PARAMS -5 100000000000000000000000000000");
 * assert.deepEqual(command, { type: "PARAMS", lower: -5n, upper: 10n ** 29n });
 * assert.equal(formatCommand({ type: "REPORT", decision: "Warmer" }), "REPORT Warmer");
 * assert.equal(decide(3n, 4n, 2n).decision, "Warmer");
 * ```
 *
 * @module
 */

import { type LineSink, LineSplitter } from "./_protocol/lines.ts";

/** The four answers a client gives to a guess. */
export type Decision = "Warmer" | "Colder" | "Unsure" | "Correct";

/**
 * The four decisions, in the order the reference lists them.
 *
 * @example Check a word
 * ```ts
 * import { DECISIONS } from "@warmer-colder/warmer-colder/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.ok(DECISIONS.includes("Colder"));
 * ```
 */
export const DECISIONS: readonly Decision[] = Object.freeze([
  "Warmer",
  "Colder",
  "Unsure",
  "Correct",
]);

/**
 * A client's dialect: which words it sends for the decisions. `en` sends
 * `Warmer`, `Colder`, `Unsure`, `Correct`; `ko` the Korean notes' words,
 * `더따뜻함`, `더차가움`, `잘모르겠음`, `맞음`.
 */
export type Dialect = "en" | "ko";

/**
 * The dialects, for a flag's choices.
 *
 * @example Check a dialect
 * ```ts
 * import { DIALECTS } from "@warmer-colder/warmer-colder/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(DIALECTS, ["en", "ko"]);
 * ```
 */
export const DIALECTS: readonly Dialect[] = Object.freeze(["en", "ko"]);

const ENGLISH_WORDS = Object.freeze({
  Warmer: "Warmer",
  Colder: "Colder",
  Unsure: "Unsure",
  Correct: "Correct",
});
const KOREAN_WORDS = Object.freeze({
  Warmer: "더따뜻함",
  Colder: "더차가움",
  Unsure: "잘모르겠음",
  Correct: "맞음",
});

/**
 * The word each dialect sends for each decision. The Korean words are the
 * unspaced ones of the notes whose program runs; a server also reads the
 * spaced ones of the other notes, {@linkcode SPACED_KOREAN_WORDS}.
 *
 * @example The Korean words
 * ```ts
 * import { DECISION_WORDS } from "@warmer-colder/warmer-colder/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.equal(DECISION_WORDS.ko.Correct, "맞음");
 * assert.equal(DECISION_WORDS.en.Unsure, "Unsure");
 * ```
 */
export const DECISION_WORDS: Readonly<Record<Dialect, Readonly<Record<Decision, string>>>> = Object
  .freeze({
    en: ENGLISH_WORDS,
    ko: KOREAN_WORDS,
  });

/**
 * The spaced spelling of the Korean words, of the other Korean notes: a
 * server reads them as it reads {@linkcode DECISION_WORDS}, though they make
 * `REPORT` a line of more than two fields. No client of this module sends
 * them.
 *
 * @example A spaced report
 * ```ts
 * import { parseCommand, SPACED_KOREAN_WORDS } from "@warmer-colder/warmer-colder/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.equal(SPACED_KOREAN_WORDS.Unsure, "잘 모르겠음");
 * assert.deepEqual(parseCommand("REPORT 잘 모르겠음"), { type: "REPORT", decision: "Unsure" });
 * ```
 */
export const SPACED_KOREAN_WORDS: Readonly<Record<Decision, string>> = Object.freeze({
  Warmer: "더 따뜻함",
  Colder: "더 차가움",
  Unsure: "잘 모르겠음",
  Correct: "맞음",
});

/** `PARAMS lower upper`: start a new game over the inclusive range. */
export interface ParamsCommand {
  /** The command word. */
  readonly type: "PARAMS";
  /** The least number in the game, inclusive. */
  readonly lower: bigint;
  /** The greatest number in the game, inclusive; `lower - 1` with `lower` 0 ends the game. */
  readonly upper: bigint;
}

/** `NUMBER`: ask the server for its next guess. */
export interface NumberCommand {
  /** The command word. */
  readonly type: "NUMBER";
}

/** `REPORT decision`: tell the server what its last guess was. */
export interface ReportCommand {
  /** The command word. */
  readonly type: "REPORT";
  /** How the last guess compares with the one before it. */
  readonly decision: Decision;
}

/** A line a client sends. */
export type Command = ParamsCommand | NumberCommand | ReportCommand;

/**
 * The error codes a server sends in `ERROR <code> <message>` lines, each with
 * whether the server closes the connection after sending it: the one list of
 * them, which {@linkcode ErrorCode} derives from. `internal` is a fault of
 * the server's own (a bug), not of the peer's line: it ends that one
 * connection and no other.
 *
 * @example Which errors close the connection
 * ```ts
 * import { ERROR_CODES } from "@warmer-colder/warmer-colder/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.equal(ERROR_CODES["line-too-long"].closes, true);
 * assert.equal(ERROR_CODES["unknown-command"].closes, false);
 * ```
 */
export const ERROR_CODES = {
  "unknown-command": { closes: false },
  "wrong-fields": { closes: false },
  "not-integer": { closes: false },
  "bad-decision": { closes: false },
  "bad-range": { closes: false },
  "no-game": { closes: false },
  "no-guess": { closes: false },
  "exhausted": { closes: false },
  "line-too-long": { closes: true },
  "bad-utf8": { closes: false },
  "busy": { closes: true },
  "idle": { closes: true },
  "shutting-down": { closes: true },
  "internal": { closes: true },
} as const;
Object.freeze(ERROR_CODES);

/**
 * A code of an `ERROR` line, a key of {@linkcode ERROR_CODES}; `bad-reply`
 * is the client's own, for a reply it cannot use.
 */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * A line that breaks the protocol, from either side. The server answers one
 * with an `ERROR` line; the client rejects with one when the server sends an
 * `ERROR` line or a reply it cannot use.
 *
 * @example Catch a bad command
 * ```ts
 * import { parseCommand, ProtocolError } from "@warmer-colder/warmer-colder/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => parseCommand("GUESS"), (e) => e instanceof ProtocolError && e.code === "unknown-command");
 * ```
 */
export class ProtocolError extends Error {
  /** What is wrong, as a code of `ERROR_CODES`, or `bad-reply` for a reply the client cannot use. */
  readonly code: ErrorCode | "bad-reply";

  /**
   * Makes the error.
   *
   * @param code What is wrong.
   * @param message A sentence for people.
   * @param options The `cause`, if any.
   */
  constructor(code: ErrorCode | "bad-reply", message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ProtocolError";
    this.code = code;
  }
}

/** A reply line from the server: a guess, or an `ERROR` line. */
export type Reply =
  | { readonly type: "number"; readonly value: bigint }
  | { readonly type: "error"; readonly code: string; readonly message: string };

const NUMBER_COMMAND: NumberCommand = Object.freeze({ type: "NUMBER" });
const REPORT_COMMANDS: Readonly<Record<Decision, ReportCommand>> = Object.freeze(
  Object.fromEntries(
    DECISIONS.map((decision) => [decision, Object.freeze({ type: "REPORT", decision })]),
  ) as Record<Decision, ReportCommand>,
);
/** Every word a `REPORT` line may end with: each dialect's, and the spaced Korean ones. */
const REPORTS: ReadonlyMap<string, ReportCommand> = new Map(
  [...DIALECTS.map((dialect) => DECISION_WORDS[dialect]), SPACED_KOREAN_WORDS].flatMap((words) =>
    DECISIONS.map((decision) => [words[decision], REPORT_COMMANDS[decision]] as const)
  ),
);
const KNOWN_WORDS = DIALECTS.map((dialect) => DECISIONS.map((d) => DECISION_WORDS[dialect][d]))
  .map((words) => words.join(", ")).join("; or ");
const INTEGER = /^[+-]?[0-9]+$/;

/** Shows a piece of a peer's line in a message: quoted, escaped, at most 40 characters. */
function quote(text: string): string {
  const shown = text.length > 40 ? `${text.slice(0, 40)}...` : text;
  return JSON.stringify(shown);
}

/**
 * Parses an integer field as the reference's Python `int()` does for plain
 * decimal text: an optional sign, then ASCII digits, leading zeros allowed.
 *
 * @param text The field.
 * @param what The field's name, for the error message.
 * @returns The exact integer.
 * @throws {ProtocolError} `not-integer` when the text is anything else.
 *
 * @example Leading sign and zeros
 * ```ts
 * import { parseInteger } from "@warmer-colder/warmer-colder/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseInteger("+007"), 7n);
 * assert.equal(parseInteger("-123456789012345678901234567890"), -123456789012345678901234567890n);
 * ```
 */
export function parseInteger(text: string, what = "field"): bigint {
  if (!INTEGER.test(text)) {
    throw new ProtocolError("not-integer", `${what} is not an integer: ${quote(text)}`);
  }
  return BigInt(text);
}

/**
 * Parses one line a client sends, without its line terminator. A `REPORT`
 * reads the decision in any dialect, and in the spaced Korean spelling (the
 * rest of the line after `REPORT `); the command holds the English
 * {@linkcode Decision} whichever word came.
 *
 * @param line The line.
 * @returns The command.
 * @throws {ProtocolError} naming what is wrong: `unknown-command`,
 *   `wrong-fields`, `not-integer` or `bad-decision`.
 *
 * @example A report, in English and in the Korean notes' words
 * ```ts
 * import { parseCommand } from "@warmer-colder/warmer-colder/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseCommand("REPORT Colder"), { type: "REPORT", decision: "Colder" });
 * assert.deepEqual(parseCommand("REPORT 더차가움"), { type: "REPORT", decision: "Colder" });
 * assert.deepEqual(parseCommand("REPORT 더 따뜻함"), { type: "REPORT", decision: "Warmer" });
 * ```
 */
export function parseCommand(line: string): Command {
  if (line === "NUMBER") return NUMBER_COMMAND;
  const fields = line.split(" ");
  const word = fields[0];
  switch (word) {
    case "NUMBER":
      throw wrongFields(word, 0, fields.length - 1);
    case "REPORT": {
      if (fields.length === 2) {
        const report = REPORTS.get(fields[1]);
        if (report === undefined) {
          throw new ProtocolError(
            "bad-decision",
            `Cannot parse REPORT: ${quote(fields[1])} is not one of ${KNOWN_WORDS}`,
          );
        }
        return report;
      }
      // A spaced Korean word: the rest of the line after "REPORT ".
      const spaced = fields.length > 2 ? REPORTS.get(line.slice(7)) : undefined;
      if (spaced === undefined) throw wrongFields(word, 1, fields.length - 1);
      return spaced;
    }
    case "PARAMS": {
      if (fields.length !== 3) throw wrongFields(word, 2, fields.length - 1);
      return {
        type: "PARAMS",
        lower: parseInteger(fields[1], "Cannot parse PARAMS: lower"),
        upper: parseInteger(fields[2], "Cannot parse PARAMS: upper"),
      };
    }
    default:
      throw new ProtocolError("unknown-command", `Unknown command: ${quote(word)}`);
  }
}

function wrongFields(word: string, expected: number, got: number): ProtocolError {
  return new ProtocolError(
    "wrong-fields",
    `Cannot parse ${word}: expected ${expected} field${expected === 1 ? "" : "s"}, got ${got}`,
  );
}

/**
 * Formats a command as its line, without the `\n`.
 *
 * @param command The command.
 * @param dialect The words of a `REPORT`'s decision.
 * @returns The line.
 * @throws {TypeError} for a dialect not in {@linkcode DIALECTS}.
 *
 * @example End a game; report in Korean
 * ```ts
 * import { formatCommand } from "@warmer-colder/warmer-colder/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatCommand({ type: "PARAMS", lower: 0n, upper: -1n }), "PARAMS 0 -1");
 * assert.equal(formatCommand({ type: "REPORT", decision: "Unsure" }, "ko"), "REPORT 잘모르겠음");
 * ```
 */
export function formatCommand(command: Command, dialect: Dialect = "en"): string {
  switch (command.type) {
    case "PARAMS":
      return `PARAMS ${command.lower} ${command.upper}`;
    case "NUMBER":
      return "NUMBER";
    case "REPORT": {
      if (!Object.hasOwn(DECISION_WORDS, dialect)) {
        throw new TypeError(`Cannot format REPORT: unknown dialect ${JSON.stringify(dialect)}`);
      }
      return `REPORT ${DECISION_WORDS[dialect][command.decision]}`;
    }
  }
}

/**
 * Parses a server's reply line: a decimal integer, or `ERROR <code> <message>`.
 *
 * @param line The line, without its terminator.
 * @returns The reply.
 * @throws {ProtocolError} `bad-reply` when the line is neither.
 *
 * @example A guess and an error
 * ```ts
 * import { parseReply } from "@warmer-colder/warmer-colder/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseReply("42"), { type: "number", value: 42n });
 * assert.equal(parseReply("ERROR no-game Send PARAMS first").type, "error");
 * ```
 */
export function parseReply(line: string): Reply {
  if (line.startsWith("ERROR ")) {
    const space = line.indexOf(" ", 6);
    const code = space === -1 ? line.slice(6) : line.slice(6, space);
    const message = space === -1 ? "" : line.slice(space + 1);
    return { type: "error", code, message };
  }
  if (!INTEGER.test(line)) {
    throw new ProtocolError("bad-reply", `Cannot parse reply: ${quote(line)} is not an integer`);
  }
  return { type: "number", value: BigInt(line) };
}

/**
 * Formats an `ERROR` reply line, without the `\n`.
 *
 * @param code The error's code.
 * @param message A sentence for people; line breaks in it become spaces.
 * @returns The line.
 *
 * @example
 * ```ts
 * import { formatError } from "@warmer-colder/warmer-colder/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatError("busy", "Too many connections"), "ERROR busy Too many connections");
 * ```
 */
export function formatError(code: ErrorCode, message: string): string {
  return `ERROR ${code} ${message.replace(/[\r\n]+/g, " ")}`;
}

/** A decision with the distance it was made from, to pass to the next {@linkcode decide}. */
export interface Outcome {
  /** What to report. */
  readonly decision: Decision;
  /** `|guess - secret|`. */
  readonly distance: bigint;
}

/**
 * The client's decision rule: compares the guess's distance to the secret with
 * the previous guess's distance. 0 is `Correct`; no previous guess or an equal
 * distance is `Unsure`; smaller is `Warmer`; larger is `Colder`. Exact at any
 * size (the reference compares floats).
 *
 * @param secret The number the client holds.
 * @param guess The server's guess.
 * @param previousDistance The distance of the previous guess in this game, if any.
 * @returns The decision and the guess's distance.
 *
 * @example Two guesses
 * ```ts
 * import { decide } from "@warmer-colder/warmer-colder/protocol";
 * import assert from "node:assert/strict";
 *
 * const first = decide(12n, 10n);
 * assert.equal(first.decision, "Unsure");
 * assert.equal(decide(12n, 15n, first.distance).decision, "Colder");
 * ```
 */
export function decide(secret: bigint, guess: bigint, previousDistance?: bigint): Outcome {
  const distance = guess > secret ? guess - secret : secret - guess;
  let decision: Decision = "Unsure";
  if (distance === 0n) decision = "Correct";
  else if (previousDistance === undefined || distance === previousDistance) decision = "Unsure";
  else if (distance < previousDistance) decision = "Warmer";
  else decision = "Colder";
  return { decision, distance };
}

// Lines over web streams. With `@std/streams` the usual pipeline is
// `readable.pipeThrough(new TextDecoderStream()).pipeThrough(new TextLineStream())`;
// `LineStream` stands where `TextLineStream` would. `TextLineStream` splits
// strings and has no length limit, so a peer that never sends `\n` makes it
// buffer without end. Splitting on bytes first bounds each line, and decoding
// one whole line at a time means a character split across chunks is never cut.

/** Options of {@linkcode LineStream} and {@linkcode readLines}. */
export interface LineStreamOptions {
  /**
   * The most bytes a line may have, its terminator not counted. A longer line
   * errors the stream with a `RangeError` instead of being buffered.
   *
   * @default {4096}
   */
  maxLineBytes?: number;
}

/**
 * Splits UTF-8 bytes into lines: accepts `\n` and `\r\n`, delivers a last line
 * that has no terminator, and errors with a `RangeError` on a line over the
 * limit or a `TypeError` on bytes that are not UTF-8.
 *
 * @example Lines from chunks that cut a character in two
 * ```ts
 * import { LineStream } from "@warmer-colder/warmer-colder/protocol";
 * import assert from "node:assert/strict";
 *
 * const bytes = new TextEncoder().encode("caf\u00e9\r\nNUMBER\n");
 * const lines = ReadableStream.from([bytes.subarray(0, 4), bytes.subarray(4)])
 *   .pipeThrough(new LineStream());
 * assert.deepEqual(await Array.fromAsync(lines), ["caf\u00e9", "NUMBER"]);
 * ```
 */
export class LineStream extends TransformStream<Uint8Array, string> {
  /**
   * Makes a line splitter.
   *
   * @param options The line limit.
   */
  constructor(options: LineStreamOptions = {}) {
    const max = options.maxLineBytes ?? 4096;
    const splitter = new LineSplitter(max);
    const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    let controller!: TransformStreamDefaultController<string>;
    const sink: LineSink = {
      line(bytes, start, end) {
        controller.enqueue(decoder.decode(bytes.subarray(start, end)));
      },
      tooLong() {
        throw new RangeError(`Cannot read line: longer than ${max} bytes`);
      },
    };
    super({
      start(c) {
        controller = c;
      },
      transform(chunk) {
        splitter.push(chunk, sink);
      },
      flush() {
        splitter.end(sink);
      },
    });
  }
}

/**
 * Reads a byte stream as lines, one at a time.
 *
 * @param readable The bytes.
 * @param options The line limit.
 * @returns The lines, without terminators.
 *
 * @example
 * ```ts
 * import { readLines } from "@warmer-colder/warmer-colder/protocol";
 * import assert from "node:assert/strict";
 *
 * const readable = ReadableStream.from([new TextEncoder().encode("1\n2\n")]);
 * const lines: string[] = [];
 * for await (const line of readLines(readable)) lines.push(line);
 * assert.deepEqual(lines, ["1", "2"]);
 * ```
 */
export function readLines(
  readable: ReadableStream<Uint8Array>,
  options?: LineStreamOptions,
): ReadableStream<string> {
  return readable.pipeThrough(new LineStream(options));
}
