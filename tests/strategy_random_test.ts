import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { random } from "../_strategy/random.ts";
import { seeded } from "./_seeded.ts";

function chiSquare(counts: number[], expected: number): number {
  return counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
}

describe("random strategy", () => {
  test("guesses every number of 1..N exactly once, then says none is left, for N up to 300", () => {
    const rng = seeded(1);
    for (let n = 1n; n <= 300n; n++) {
      const lower = -7n;
      const guesser = random(lower, lower + n - 1n, rng);
      const seen = new Set<bigint>();
      for (let i = 0n; i < n; i++) {
        const guess = guesser.next();
        assert.ok(guess !== undefined && guess >= lower && guess < lower + n, `N=${n}: ${guess}`);
        assert.ok(!seen.has(guess), `N=${n}: ${guess} repeated`);
        seen.add(guess);
      }
      assert.equal(guesser.next(), undefined, `N=${n}: a guess after the range is used up`);
    }
  });

  test("gives exact, in-range, distinct guesses over a range of 10^30 numbers", () => {
    const lower = -5n;
    const upper = lower + 10n ** 30n - 1n;
    const guesser = random(lower, upper, seeded(2));
    const seen = new Set<bigint>();
    let high = 0;
    for (let i = 0; i < 2000; i++) {
      const guess = guesser.next()!;
      assert.ok(guess >= lower && guess <= upper, `${guess}`);
      assert.ok(!seen.has(guess));
      seen.add(guess);
      if (guess - lower >= 10n ** 30n / 2n) high++;
    }
    // Spread over the whole range, not bunched at one end.
    assert.ok(high > 900 && high < 1100, `${high} of 2000 in the upper half`);
  });

  test("works on both sides of the 2^32 boundary between its two arithmetics", () => {
    for (const size of [2n ** 32n - 1n, 2n ** 32n, 2n ** 32n + 1n, 2n ** 33n + 3n]) {
      const guesser = random(1n, size, seeded(3));
      const seen = new Set<bigint>();
      for (let i = 0; i < 500; i++) {
        const guess = guesser.next()!;
        assert.ok(guess >= 1n && guess <= size && !seen.has(guess), `size ${size}: ${guess}`);
        seen.add(guess);
      }
    }
  });

  test("every number is as likely at every position of a game over 1..5 (chi-square, p > 0.001)", () => {
    const rng = seeded(4);
    const games = 20_000;
    const counts = Array.from({ length: 25 }, () => 0);
    for (let game = 0; game < games; game++) {
      const guesser = random(1n, 5n, rng);
      for (let position = 0; position < 5; position++) {
        counts[position * 5 + Number(guesser.next()!) - 1]++;
      }
    }
    // 16 degrees of freedom: 39.25 is the 0.001 critical value.
    assert.ok(chiSquare(counts, games / 5) < 39.25, `${counts}`);
  });

  test("the first guess over 1..100 is uniform (chi-square, p > 0.001)", () => {
    const rng = seeded(5);
    const games = 50_000;
    const counts = Array.from({ length: 100 }, () => 0);
    for (let game = 0; game < games; game++) counts[Number(random(1n, 100n, rng).next()!) - 1]++;
    // 99 degrees of freedom: 148.2 is the 0.001 critical value.
    assert.ok(chiSquare(counts, games / 100) < 148.2, `${counts}`);
  });

  test("two games with different randomness play different orders", () => {
    const order = (seed: number) => {
      const guesser = random(1n, 1000n, seeded(seed));
      return Array.from({ length: 10 }, () => guesser.next());
    };
    assert.notDeepEqual(order(6), order(7));
    assert.deepEqual(order(6), order(6));
  });
});
