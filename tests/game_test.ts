import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Decision } from "../protocol.ts";
import { Game } from "../_server/game.ts";
import { random } from "../_strategy/random.ts";
import { seeded } from "./_seeded.ts";

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
});
