/**
 * The reference's strategy: a random number of the range that this game has
 * not guessed yet. The reference draws and retries against a list of earlier
 * guesses, so a game costs the square of its length and loops forever once
 * the range is used up. Here the guesses are a keyed pseudo-random
 * permutation of the range, walked in order: a Feistel network over the
 * smallest power of four at least the range's size, with cycle walking to
 * stay inside the range. A guess costs O(1) expected time (fewer than four
 * walks on average), a game O(1) memory whatever the range's size, no guess
 * repeats, and `next()` says when every number has been guessed.
 *
 * Ranges of up to 2^32 numbers run on 32-bit integer arithmetic; larger ones
 * on `bigint`, exact at any size.
 *
 * @module
 */

import type { Guesser, Strategy } from "./types.ts";

// Six rounds left a measurable bias over tiny ranges (a chi-square of 61 at 16
// degrees of freedom over 1..5, in tests/strategy_random_test.ts); twelve do not.
const ROUNDS = 12;
const SMALL = 2n ** 32n;

/** Murmur3's 32-bit finaliser: a bijective mix of a 32-bit word. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function word(random: () => number): number {
  return Math.floor(random() * 2 ** 32) >>> 0;
}

class SmallRandom implements Guesser {
  #lower: bigint;
  #size: number;
  #half: number;
  #mask: number;
  // Small integers in a plain array: 12 of them cost less there than a
  // typed array's buffer, in every idle game.
  #keys: number[];
  #count = 0;

  constructor(lower: bigint, size: number, random: () => number) {
    let bits = 2;
    while (2 ** bits < size) bits += 2;
    this.#lower = lower;
    this.#size = size;
    this.#half = 2 ** (bits / 2);
    this.#mask = this.#half - 1;
    this.#keys = [];
    for (let i = 0; i < ROUNDS; i++) this.#keys.push(word(random) >>> 2);
  }

  #encrypt(x: number): number {
    let left = Math.floor(x / this.#half);
    let right = x & this.#mask;
    for (let i = 0; i < ROUNDS; i++) {
      const next = left ^ (mix32(right ^ this.#keys[i]) & this.#mask);
      left = right;
      right = next;
    }
    return left * this.#half + right;
  }

  next(): bigint | undefined {
    if (this.#count === this.#size) return undefined;
    let x = this.#encrypt(this.#count++);
    while (x >= this.#size) x = this.#encrypt(x);
    return this.#lower + BigInt(x);
  }

  report(): void {}
}

class BigRandom implements Guesser {
  #lower: bigint;
  #size: bigint;
  #bits: number;
  #shift: bigint;
  #keys: bigint[] = [];
  #multipliers: bigint[] = [];
  #count = 0n;

  constructor(lower: bigint, size: bigint, random: () => number) {
    let bits = 2;
    while (1n << BigInt(bits) < size) bits += 2;
    this.#lower = lower;
    this.#size = size;
    this.#bits = bits / 2;
    this.#shift = BigInt(Math.ceil(this.#bits / 2));
    const draw = () => {
      let value = 0n;
      for (let b = 0; b < this.#bits; b += 32) value = (value << 32n) | BigInt(word(random));
      return BigInt.asUintN(this.#bits, value);
    };
    for (let i = 0; i < ROUNDS; i++) {
      this.#keys.push(draw());
      this.#multipliers.push(draw() | 1n);
    }
  }

  #round(i: number, x: bigint): bigint {
    const h = this.#bits;
    let y = BigInt.asUintN(h, (x ^ this.#keys[i]) * this.#multipliers[i]);
    y ^= y >> this.#shift;
    y = BigInt.asUintN(h, y * this.#multipliers[(i + 1) % ROUNDS]);
    return y ^ (y >> this.#shift);
  }

  #encrypt(x: bigint): bigint {
    const h = BigInt(this.#bits);
    let left = x >> h;
    let right = BigInt.asUintN(this.#bits, x);
    for (let i = 0; i < ROUNDS; i++) {
      const next = left ^ this.#round(i, right);
      left = right;
      right = next;
    }
    return (left << h) | right;
  }

  next(): bigint | undefined {
    if (this.#count === this.#size) return undefined;
    let x = this.#encrypt(this.#count++);
    while (x >= this.#size) x = this.#encrypt(x);
    return this.#lower + x;
  }

  report(): void {}
}

/**
 * Guesses at random, never the same number twice in a game.
 *
 * @param lower The least number of the range.
 * @param upper The greatest number of the range.
 * @param random A source of numbers in [0, 1), such as `Math.random`.
 * @returns The game's guesser.
 */
export const random: Strategy = (lower, upper, random) => {
  const size = upper - lower + 1n;
  return size <= SMALL
    ? new SmallRandom(lower, Number(size), random)
    : new BigRandom(lower, size, random);
};
