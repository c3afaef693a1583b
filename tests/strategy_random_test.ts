import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { random, randomNumbers } from "../_strategy/random.ts";
import { seeded } from "./_seeded.ts";

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function chiSquare(counts: number[], expected: number): number {
  return counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
}

/** A guess as the exact integer it stands for; `undefined` stays. */
function exact(guess: bigint | number | undefined): bigint | undefined {
  if (typeof guess === "number") {
    assert.ok(Number.isSafeInteger(guess), `${guess} is not a safe integer`);
    return BigInt(guess);
  }
  return guess;
}

/** Whether a permutation of 0..n-1 is even. */
function isEven(order: number[]): boolean {
  const p = order.slice();
  let swaps = 0;
  for (let i = 0; i < p.length; i++) {
    while (p[i] !== i) {
      const j = p[i];
      [p[i], p[j]] = [p[j], p[i]];
      swaps++;
    }
  }
  return swaps % 2 === 0;
}

/**
 * Plays `count` guesses over lower..upper: each exact, in the range, of the
 * type expected, and new; with `count` the range's size, none after them.
 */
function play(lower: bigint, upper: bigint, count: number, type: "number" | "bigint", seed = 3) {
  const guesser = random(lower, upper, seeded(seed));
  const seen = new Set<bigint>();
  for (let i = 0; i < count; i++) {
    const guess = guesser.next();
    assert.equal(typeof guess, type, `${lower}..${upper}: ${guess}`);
    const value = exact(guess)!;
    assert.ok(value >= lower && value <= upper, `${lower}..${upper}: ${value} out of range`);
    assert.ok(!seen.has(value), `${lower}..${upper}: ${value} repeated`);
    seen.add(value);
  }
  if (BigInt(count) === upper - lower + 1n) {
    assert.equal(guesser.next(), undefined, `${lower}..${upper}: a guess after the range`);
  }
  return seen;
}

describe("random strategy", () => {
  test("guesses every number of 1..N exactly once, then says none is left, for N up to 300", () => {
    const rng = seeded(1);
    for (let n = 1n; n <= 300n; n++) {
      const lower = -7n;
      const guesser = random(lower, lower + n - 1n, rng);
      const seen = new Set<bigint>();
      for (let i = 0n; i < n; i++) {
        const guess = exact(guesser.next());
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
    const seen = play(lower, upper, 2000, "bigint", 2);
    const high = [...seen].filter((guess) => guess - lower >= 10n ** 30n / 2n).length;
    // Spread over the whole range, not bunched at one end.
    assert.ok(high > 900 && high < 1100, `${high} of 2000 in the upper half`);
  });

  test("works on both sides of the 2^32 boundary between its two arithmetics", () => {
    for (const size of [2n ** 32n - 1n, 2n ** 32n]) play(1n, size, 500, "number");
    for (const size of [2n ** 32n + 1n, 2n ** 33n + 3n]) play(1n, size, 500, "bigint");
    // The largest range of numbers, at the top and at the bottom of the safe integers.
    play(MAX_SAFE - 2n ** 32n + 1n, MAX_SAFE, 500, "number");
    play(-MAX_SAFE, -MAX_SAFE + 2n ** 32n - 1n, 500, "number");
    play(MAX_SAFE - 2n ** 32n + 2n, MAX_SAFE + 1n, 500, "bigint");
  });

  test("works on both sides of 32 numbers (one word of bits) and of 1024 (the network)", () => {
    for (const size of [31n, 32n, 33n, 34n, 63n, 64n, 65n]) {
      play(-3n, size - 4n, Number(size), "number");
    }
    for (const size of [1023n, 1024n, 1025n, 1026n]) play(-3n, size - 4n, Number(size), "number");
  });

  test("every number is as likely at each position of a game over 1..40, drawn or counted (chi-square, p > 0.001)", () => {
    // Up to position 19 a guess is a draw retried until it is new; from 20 on,
    // with half the range left, the n-th unguessed number is counted out.
    const rng = seeded(12);
    const games = 20_000;
    const positions = [0, 10, 19, 20, 21, 30, 38, 39];
    const counts = positions.map(() => Array.from({ length: 40 }, () => 0));
    for (let game = 0; game < games; game++) {
      const guesser = random(1n, 40n, rng);
      const order = Array.from({ length: 40 }, () => Number(guesser.next()));
      positions.forEach((position, i) => counts[i][order[position] - 1]++);
    }
    positions.forEach((position, i) => {
      // 39 degrees of freedom: 72.05 is the 0.001 critical value.
      const x2 = chiSquare(counts[i], games / 40);
      assert.ok(x2 < 72.05, `position ${position}: chi-square ${x2.toFixed(1)}, ${counts[i]}`);
    });
  });

  test("gives numbers over safe integers only, bigints just past ±(2^53 - 1)", () => {
    for (const size of [5n, 100n]) {
      play(MAX_SAFE - size + 1n, MAX_SAFE, Number(size), "number");
      play(MAX_SAFE - size + 2n, MAX_SAFE + 1n, Number(size), "bigint");
      play(-MAX_SAFE, -MAX_SAFE + size - 1n, Number(size), "number");
      play(-MAX_SAFE - 1n, -MAX_SAFE + size - 2n, Number(size), "bigint");
    }
    // 2^53 itself is exact as a double, but not a safe integer: a bigint.
    assert.equal(typeof random(2n ** 53n, 2n ** 53n, seeded(9)).next(), "bigint");
    assert.equal(random(2n ** 53n, 2n ** 53n, seeded(9)).next(), 2n ** 53n);
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

  test("every order of a game over 1..5 is as likely (chi-square, p > 0.001)", () => {
    // A network of even permutations played some orders of 1..5 half again as
    // often as others: a chi-square of 275 here.
    const rng = seeded(10);
    const games = 24_000;
    const counts = new Map<string, number>();
    for (let game = 0; game < games; game++) {
      const guesser = random(1n, 5n, rng);
      const order = Array.from({ length: 5 }, () => guesser.next()).join();
      counts.set(order, (counts.get(order) ?? 0) + 1);
    }
    assert.equal(counts.size, 120);
    // 119 degrees of freedom: 172.5 is the 0.001 critical value.
    assert.ok(chiSquare([...counts.values()], games / 120) < 172.5);
  });

  test("plays even and odd orders of a whole game equally often, drawn and over the network", () => {
    // A Feistel network's rounds are even permutations; without the swap of 0
    // and 1 after them every game over 1..64 played an even order (when the
    // network played 33 to 1024 numbers).
    for (const n of [33, 48, 64, 100, 1025, 1100]) {
      const rng = seeded(11);
      const games = 2000;
      let even = 0;
      for (let game = 0; game < games; game++) {
        const guesser = random(1n, BigInt(n), rng);
        if (isEven(Array.from({ length: n }, () => Number(guesser.next()) - 1))) even++;
      }
      // 0.05 is four and a half standard deviations.
      assert.ok(Math.abs(even / games - 0.5) < 0.05, `1..${n}: ${even} of ${games} even`);
    }
  });

  test("the first guess over 1..100 is uniform (chi-square, p > 0.001)", () => {
    const rng = seeded(5);
    const games = 50_000;
    const counts = Array.from({ length: 100 }, () => 0);
    for (let game = 0; game < games; game++) counts[Number(random(1n, 100n, rng).next()!) - 1]++;
    // 99 degrees of freedom: 148.2 is the 0.001 critical value.
    assert.ok(chiSquare(counts, games / 100) < 148.2, `${counts}`);
  });

  test("started from numbers, plays the games it plays from bigints, at every size", () => {
    const sizes = [1, 5, 32, 33, 100, 1024, 1025, 2 ** 20, 2 ** 32, 2 ** 32 + 1, 2 ** 40];
    for (const lower of [-7, 0, Number.MAX_SAFE_INTEGER - 2 ** 41]) {
      for (const size of sizes) {
        const upper = lower + size - 1;
        const fromBigints = random(BigInt(lower), BigInt(upper), seeded(size));
        const fromNumbers = randomNumbers(lower, upper, seeded(size));
        for (let i = 0; i < Math.min(size, 50); i++) {
          assert.equal(fromNumbers.next(), fromBigints.next(), `${lower}..${upper}, guess ${i}`);
        }
      }
    }
  });

  test("two games with different randomness play different orders", () => {
    for (const size of [5n, 1000n]) {
      const order = (seed: number) => {
        const guesser = random(1n, size, seeded(seed));
        return Array.from({ length: 5 }, () => guesser.next());
      };
      assert.notDeepEqual(order(6), order(7));
      assert.deepEqual(order(6), order(6));
    }
  });
});
