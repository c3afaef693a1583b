import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { narrow } from "../_strategy/interval.ts";
import { decide, type Decision } from "../protocol.ts";

const DECISIONS: readonly Decision[] = ["Warmer", "Colder", "Unsure", "Correct"];

/** What `narrow` returns, as a pair to compare, or `undefined`. */
function ends(
  lower: bigint,
  upper: bigint,
  previous: bigint | undefined,
  guess: bigint,
  decision: Decision,
): [bigint, bigint] | undefined {
  const left = narrow(lower, upper, previous, guess, decision);
  return left && [left.lower, left.upper];
}

describe("narrow", () => {
  test("keeps exactly the secrets of the window that would give the decision, by the rule itself", () => {
    // Other than Correct, a decision rules out the guess itself; narrow leaves that to its
    // callers, so the guess is left out of both sides here.
    const windows: [bigint, bigint][] = [[-14n, 14n], [-3n, 5n], [-20n, -6n], [2n, 2n], [0n, 9n]];
    const previousGuesses: (bigint | undefined)[] = [undefined];
    for (let p = -9n; p <= 9n; p++) previousGuesses.push(p);
    for (const [lower, upper] of windows) {
      for (const previous of previousGuesses) {
        for (let guess = -9n; guess <= 9n; guess++) {
          for (const decision of DECISIONS) {
            const expected: bigint[] = [];
            for (let secret = lower; secret <= upper; secret++) {
              const before = previous === undefined ? undefined : decide(secret, previous).distance;
              if (decide(secret, guess, before).decision === decision) expected.push(secret);
            }
            const kept: bigint[] = [];
            const left = ends(lower, upper, previous, guess, decision);
            if (left !== undefined) {
              assert.ok(lower <= left[0] && left[0] <= left[1] && left[1] <= upper);
              for (let n = left[0]; n <= left[1]; n++) {
                if (n !== guess || decision === "Correct") kept.push(n);
              }
            }
            const at = `${lower}..${upper}, ${previous} then ${guess}, ${decision}`;
            assert.deepEqual(kept, expected, at);
          }
        }
      }
    }
  });

  test("floors a negative odd midpoint, where bigint division would truncate toward zero", () => {
    // -4 then -1: the midpoint is -2.5.
    assert.deepEqual(ends(-10n, 10n, -4n, -1n, "Warmer"), [-2n, 10n]);
    assert.deepEqual(ends(-10n, 10n, -4n, -1n, "Colder"), [-10n, -3n]);
    // -1 then -4: the same midpoint, the other way.
    assert.deepEqual(ends(-10n, 10n, -1n, -4n, "Warmer"), [-10n, -3n]);
    assert.deepEqual(ends(-10n, 10n, -1n, -4n, "Colder"), [-2n, 10n]);
    // 1 then 4: the midpoint is 2.5.
    assert.deepEqual(ends(-10n, 10n, 1n, 4n, "Warmer"), [3n, 10n]);
    assert.deepEqual(ends(-10n, 10n, 1n, 4n, "Colder"), [-10n, 2n]);
  });

  test("an even sum: the midpoint is excluded from Warmer and Colder, and is all Unsure allows", () => {
    assert.deepEqual(ends(-10n, 10n, -6n, -2n, "Warmer"), [-3n, 10n]);
    assert.deepEqual(ends(-10n, 10n, -6n, -2n, "Colder"), [-10n, -5n]);
    assert.deepEqual(ends(-10n, 10n, -6n, -2n, "Unsure"), [-4n, -4n]);
    assert.deepEqual(ends(-10n, 10n, 2n, 6n, "Unsure"), [4n, 4n]);
    assert.deepEqual(ends(-10n, 10n, 2n, 6n, "Warmer"), [5n, 10n]);
  });

  test("refuses what no secret could give", () => {
    assert.equal(
      ends(-10n, 10n, -4n, -1n, "Unsure"),
      undefined,
      "an odd sum has no integer midpoint",
    );
    assert.equal(ends(-10n, 10n, 1n, 4n, "Unsure"), undefined);
    assert.equal(ends(1n, 10n, undefined, 5n, "Warmer"), undefined, "a first guess is Unsure");
    assert.equal(ends(1n, 10n, undefined, 5n, "Colder"), undefined);
    assert.equal(ends(1n, 10n, 5n, 5n, "Warmer"), undefined, "the same guess again is Unsure");
    assert.equal(ends(5n, 10n, 2n, 6n, "Unsure"), undefined, "the midpoint 4 is outside 5..10");
    assert.equal(ends(5n, 10n, 2n, 6n, "Colder"), undefined, "nearer 2 than 6: 3 at most");
    assert.equal(ends(5n, 10n, 6n, 11n, "Correct"), undefined, "11 is outside the window");
  });

  test("leaves the guess in for its callers to rule out; Correct leaves only the guess", () => {
    assert.deepEqual(ends(-10n, 10n, 1n, 4n, "Warmer"), [3n, 10n], "4 is in");
    assert.deepEqual(ends(-3n, 7n, undefined, 5n, "Unsure"), [-3n, 7n]);
    assert.deepEqual(ends(-3n, 7n, 5n, 5n, "Unsure"), [-3n, 7n]);
    assert.deepEqual(ends(-3n, 7n, undefined, -2n, "Correct"), [-2n, -2n]);
    assert.deepEqual(ends(-3n, 7n, 9n, 4n, "Correct"), [4n, 4n]);
  });

  test("is exact far beyond doubles", () => {
    const big = 10n ** 30n;
    assert.deepEqual(ends(-big, big, -big, -big + 3n, "Warmer"), [-big + 2n, big]);
    assert.deepEqual(ends(-big, big, big - 1n, big, "Colder"), [-big, big - 1n]);
    assert.deepEqual(ends(-big, big, -big, big, "Unsure"), [0n, 0n]);
  });
});
