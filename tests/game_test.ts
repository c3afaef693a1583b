import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type Decision, type ErrorCode, formatError, parseCommand } from "../protocol.ts";
import { Game, type GameOptions } from "../_server/game.ts";
import { Connection, type ConnectionContext } from "../_server/connection.ts";
import { random } from "../_strategy/random.ts";
import type { Socket } from "../_transport/types.ts";
import { seeded } from "./_seeded.ts";

const encoder = new TextEncoder();

/** Plays lines on a game the general way: parseCommand, then `handle`; errors as ERROR lines. */
function model(options: GameOptions, lines: string[]): string[] {
  const game = new Game(options);
  const replies: string[] = [];
  for (const line of lines) {
    try {
      const reply = game.handle(parseCommand(line));
      if (reply !== undefined) replies.push(reply);
    } catch (error) {
      const { code, message } = error as { code: ErrorCode; message: string };
      replies.push(formatError(code, message));
    }
  }
  return replies;
}

/** Plays the bytes on a connection over a socket that keeps what is written. */
function connection(options: GameOptions, bytes: Uint8Array): string[] {
  let written = "";
  const socket: Socket = {
    write(data) {
      written += typeof data === "string" ? data : new TextDecoder().decode(data);
      return true;
    },
    room: Infinity,
    pause() {},
    resume() {},
    end() {},
    destroy() {},
  };
  const context: ConnectionContext = {
    game: options,
    maxLineBytes: 4096,
    decoder: new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }),
    now: 0,
    closed() {},
    fault(error) {
      throw error;
    },
  };
  const peer = new Connection(socket, context);
  // A turn takes part of the bytes: the rest is handed on again, as a socket does.
  for (let at = 0; at < bytes.length;) {
    const rest = bytes.subarray(at);
    at += peer.data(rest, rest.length);
  }
  peer.end();
  return written.split("\n").slice(0, -1);
}

describe("Game", () => {
  test("answers NUMBER over a range of safe integers with the exact guess, and reports a bigint", () => {
    const reports: [bigint, Decision][] = [];
    const game = new Game({
      strategy: random,
      random: seeded(1),
      report: (guess, decision) => void reports.push([guess, decision]),
    });
    const top = BigInt(Number.MAX_SAFE_INTEGER);
    game.handle({ type: "PARAMS", lower: top - 99n, upper: top });
    const guess = game.handle({ type: "NUMBER" })!;
    assert.ok(BigInt(guess) >= top - 99n && BigInt(guess) <= top, guess);
    game.handle({ type: "REPORT", decision: "Correct" });
    assert.deepEqual(reports, [[BigInt(guess), "Correct"]]);
    assert.equal(typeof reports[0][0], "bigint");
    assert.equal(game.handle({ type: "NUMBER" }), guess);
  });

  test("params() from numbers plays as PARAMS from bigints does", () => {
    for (const [lower, upper] of [[1, 100], [-5, 5], [0, -1], [5, 1], [-3, -3]]) {
      const options = { strategy: random, random: seeded(2) };
      const byNumbers = new Game({ ...options, random: seeded(2) });
      const replies: string[] = [];
      try {
        byNumbers.params(lower, upper);
      } catch (error) {
        const { code, message } = error as { code: ErrorCode; message: string };
        replies.push(formatError(code, message));
      }
      for (let i = 0; i < 3; i++) {
        try {
          replies.push(byNumbers.handle({ type: "NUMBER" })!);
        } catch (error) {
          const { code, message } = error as { code: ErrorCode; message: string };
          replies.push(formatError(code, message));
        }
      }
      const line = `PARAMS ${lower} ${upper}`;
      assert.deepEqual(replies, model(options, [line, "NUMBER", "NUMBER", "NUMBER"]), line);
    }
  });
});

describe("Connection", () => {
  test("reads PARAMS lines from their bytes as parseCommand reads them", () => {
    const lines = [
      "PARAMS 1 100",
      "PARAMS -5 5",
      "PARAMS +7 0009",
      "PARAMS -0 0",
      "PARAMS 0 -1",
      "PARAMS 5 1",
      "PARAMS 0 0",
      "PARAMS 999999999999999 999999999999999",
      "PARAMS -999999999999999 -999999999999990",
      "PARAMS 1000000000000000 1000000000000001",
      "PARAMS 9007199254740991 9007199254740992",
      "PARAMS 12345678901234567 12345678901234568",
      "PARAMS 1  2",
      "PARAMS  1 2",
      "PARAMS 1 2 ",
      "PARAMS 1 2 3",
      "PARAMS 1",
      "PARAMS 1 ",
      "PARAMS 10000",
      "PARAMS - 1",
      "PARAMS 1 +",
      "PARAMS +-1 2",
      "PARAMS 1\t2",
      "PARAMS 0x1 2",
      "PARAMS 1e3 2000",
      "params 1 2",
      "PARAMSX1 2",
      "PARAMS 1 2\r\r", // the line ends with one "\r": the one before "\n" goes
      "PARAMS \uff19 1",
    ];
    for (const line of lines) {
      const options = () => ({ strategy: random, random: seeded(3) });
      const script = [line, "NUMBER", "NUMBER"];
      const got = connection(options(), encoder.encode(script.join("\n") + "\n"));
      const text = line.replace(/\r$/, "");
      assert.deepEqual(got, model(options(), [text, ...script.slice(1)]), JSON.stringify(line));
    }
  });
});
