/**
 * The `smart` strategy's answer to a liar. Reports that no secret could give
 * (say "Warmer" for a first guess, or answers that leave no number) empty
 * the interval the guesser tracks; from then on it guesses uniformly at
 * random over the whole range, skipping every number already guessed, until
 * every number of the range has been guessed. This is the only use of the
 * game's randomness.
 *
 * Cost: O(G) per guess, G the guesses so far, and memory O(G).
 *
 * @module
 */

import { word } from "../word.ts";

/** A uniform bigint in [0, n), for n >= 1. */
function below(n: bigint, random: () => number): bigint {
  if (n <= 1n) return 0n;
  const bits = (n - 1n).toString(2).length;
  for (let tries = 0; tries < 64; tries++) {
    let v = 0n;
    for (let b = 0; b < bits; b += 32) v = (v << 32n) | BigInt(word(random));
    v = BigInt.asUintN(bits, v);
    if (v < n) return v;
  }
  return BigInt(word(random)) % n; // a source this skewed gets a skewed pick
}

/** Random guesses over `lower..upper` that skip every number guessed before. */
export class Fallback {
  readonly #lower: bigint;
  readonly #upper: bigint;
  readonly #random: () => number;
  /** Every number guessed, ascending. */
  readonly #sorted: bigint[];

  /** Takes over a game from the guesses it has made. */
  constructor(lower: bigint, upper: bigint, guessed: Iterable<bigint>, random: () => number) {
    this.#lower = lower;
    this.#upper = upper;
    this.#random = random;
    this.#sorted = [...guessed].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** A number not yet guessed, uniformly at random, or `undefined` if none is left. */
  next(): bigint | undefined {
    const sorted = this.#sorted;
    const left = this.#upper - this.#lower + 1n - BigInt(sorted.length);
    if (left <= 0n) return undefined;
    let v = this.#lower + below(left, this.#random);
    let i = 0;
    for (; i < sorted.length && sorted[i] <= v; i++) v++;
    sorted.splice(i, 0, v);
    return v;
  }
}
