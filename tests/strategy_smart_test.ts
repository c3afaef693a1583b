import { test } from "node:test";
import assert from "node:assert/strict";
import type { Decision } from "../protocol.ts";
import { smart } from "../_strategy/smart/mod.ts";
import { seeded } from "./_seeded.ts";

/** A uniform-enough bigint in [0, n), from 31-bit draws. */
function draw(n: bigint, rng: () => number): bigint {
  let v = 0n;
  for (let i = 0; i < 8; i++) v = (v << 31n) | BigInt(Math.floor(rng() * 2 ** 31));
  return v % n;
}

/** W + 1, where W is the largest integer with 2^W <= 3N. */
function bound(n: bigint): number {
  let w = 0;
  while (2n ** BigInt(w + 1) <= 3n * n) w++;
  return w + 1;
}

/**
 * An honest client: holds `secret`, answers each guess by the decision rule
 * (the distance to the secret against the previous guess's: 0 is Correct, no
 * previous guess or the same distance is Unsure, smaller Warmer, larger
 * Colder), and stops at Correct or after `limit` guesses. Every guess must be
 * in range. `skip` (a guess's index) leaves that guess unreported.
 */
function play(lower: bigint, upper: bigint, secret: bigint, limit: number, skip = -1): bigint[] {
  const guesser = smart(lower, upper, seeded(7));
  const guesses: bigint[] = [];
  let previous: bigint | undefined;
  while (guesses.length < limit) {
    const guess = guesser.next();
    assert.ok(
      guess !== undefined && guess >= lower && guess <= upper,
      `${lower}..${upper}, secret ${secret}: guess ${guess} after ${guesses.join(" ")}`,
    );
    guesses.push(guess);
    const distance = guess > secret ? guess - secret : secret - guess;
    if (distance === 0n) break;
    let decision: Decision = "Colder";
    if (previous === undefined || distance === previous) decision = "Unsure";
    else if (distance < previous) decision = "Warmer";
    if (guesses.length - 1 !== skip) guesser.report(decision);
    previous = distance;
  }
  return guesses;
}

/** Plays every secret of lower..lower+n-1; returns how many games repeated a guess. */
function exhaust(lower: bigint, n: bigint): number {
  const upper = lower + n - 1n;
  const most = bound(n);
  let repeated = 0;
  for (let secret = lower; secret <= upper; secret++) {
    const guesses = play(lower, upper, secret, most);
    assert.equal(
      guesses.at(-1),
      secret,
      `${lower}..${upper}: secret ${secret} not found in ${most}: ${guesses.join(" ")}`,
    );
    if (new Set(guesses).size < guesses.length) repeated++;
  }
  return repeated;
}

// Bun's default limit per test is 5 s; this exhaustive one takes 2-7 s on a busy machine.
test("finds every secret within W + 1 guesses, for every N up to 300 (lower -7) and N = 1000", {
  timeout: 60_000,
}, () => {
  const repeatedAt: number[] = [];
  let repeated = 0;
  let games = 0;
  for (let n = 1n; n <= 300n; n++) {
    const r = exhaust(-7n, n);
    if (r > 0) repeatedAt.push(Number(n));
    repeated += r;
    games += Number(n);
  }
  for (const lower of [1n, -(10n ** 29n)]) {
    repeated += exhaust(lower, 1000n);
    games += 1000;
  }
  // The module's documentation: the first range with a repeated guess is 170
  // numbers, and repeats stay rare.
  assert.ok(repeatedAt.length === 0 || repeatedAt[0] >= 170, `repeats at N = ${repeatedAt}`);
  assert.ok(repeated * 500 < games, `${repeated} of ${games} games repeated a guess`);
});

test("finds every secret within W + 1 guesses on other offsets", () => {
  for (const lower of [1n, 0n, 10n ** 20n, -(10n ** 29n)]) {
    for (let n = 1n; n <= 64n; n++) exhaust(lower, n);
  }
});

test("wins every demo game, 1..5 and 10..15, within 5 guesses", () => {
  for (const [lower, upper] of [[1n, 5n], [10n, 15n]]) {
    for (let secret = lower; secret <= upper; secret++) {
      const guesses = play(lower, upper, secret, 5);
      assert.equal(guesses.at(-1), secret, `${lower}..${upper}, ${secret}: ${guesses.join(" ")}`);
    }
  }
});

test("finds sampled secrets within W + 1 guesses in ranges of 10^6, 10^12 and 10^30 numbers", () => {
  const rng = seeded(11);
  // Besides powers of ten, the largest N for W = 40 and for W = 99, where the
  // bound has no slack at all.
  for (
    const n of [10n ** 6n, 10n ** 12n, 10n ** 30n, (2n ** 41n - 2n) / 3n, (2n ** 100n - 1n) / 3n]
  ) {
    for (const lower of [1n, -(10n ** 29n)]) {
      const upper = lower + n - 1n;
      const most = bound(n);
      // Runs of secrets at the ends, the thirds and the middle, where the
      // reflections come closest to the range's ends, and random ones.
      const secrets: bigint[] = [];
      const run = (from: bigint, count: bigint) => {
        for (let k = 0n; k < count; k++) secrets.push(from + k);
      };
      run(lower, 40n);
      run(upper - 79n, 80n);
      for (const at of [lower + n / 3n, upper - n / 3n, lower + n / 2n]) run(at - 10n, 21n);
      for (let i = 0; i < 40; i++) secrets.push(lower + draw(n, rng));
      for (const secret of secrets) {
        const guesses = play(lower, upper, secret, most);
        assert.equal(guesses.at(-1), secret, `${lower}..${upper}, ${secret}: ${guesses.join(" ")}`);
      }
    }
  }
});

test("survives a liar: random reports, in-range distinct guesses, then undefined after N", () => {
  const decisions: Decision[] = ["Warmer", "Colder", "Unsure"];
  for (let seed = 1; seed <= 20; seed++) {
    const rng = seeded(seed);
    for (let n = 1n; n <= 40n; n += seed % 3 === 0 ? 1n : 7n) {
      const lower = -3n;
      const upper = lower + n - 1n;
      const guesser = smart(lower, upper, seeded(seed * 1000 + Number(n)));
      const seen = new Set<bigint>();
      for (let i = 0n; i < n; i++) {
        const guess = guesser.next();
        assert.ok(guess !== undefined && guess >= lower && guess <= upper, `N=${n}: ${guess}`);
        assert.ok(!seen.has(guess), `N=${n}: ${guess} repeated after ${[...seen].join(" ")}`);
        seen.add(guess);
        guesser.report(decisions[Math.floor(rng() * 3)]);
      }
      assert.equal(guesser.next(), undefined, `N=${n}: a guess after the range is used up`);
      assert.equal(guesser.next(), undefined);
    }
  }
  // A huge range: the lies are caught, and the guesses stay exact and distinct.
  const lower = -(10n ** 29n);
  const upper = lower + 10n ** 30n;
  const rng = seeded(99);
  const guesser = smart(lower, upper, rng);
  const seen = new Set<bigint>();
  for (let i = 0; i < 400; i++) {
    const guess = guesser.next();
    assert.ok(guess !== undefined && guess >= lower && guess <= upper && !seen.has(guess));
    seen.add(guess);
    guesser.report(decisions[Math.floor(rng() * 3)]);
  }
});

test("a first report other than Unsure is a lie, caught at once", () => {
  const guesser = smart(1n, 3n, seeded(5));
  const seen = new Set([guesser.next()]);
  guesser.report("Warmer");
  for (let i = 0; i < 2; i++) seen.add(guesser.next());
  assert.deepEqual([...seen].sort(), [1n, 2n, 3n]);
  assert.equal(guesser.next(), undefined);
});

test("plays on when a report goes missing", () => {
  for (const n of [2n, 7n, 40n, 300n]) {
    const most = bound(n);
    for (let secret = 1n; secret <= n; secret += n / 7n + 1n) {
      for (let skip = 0; skip < most; skip++) {
        const guesses = play(1n, n, secret, 2 * most);
        const skipped = play(1n, n, secret, 2 * most, skip);
        assert.equal(guesses.at(-1), secret);
        assert.equal(skipped.at(-1), secret, `N=${n}, ${secret}, skip ${skip}: ${skipped}`);
      }
    }
  }
});
