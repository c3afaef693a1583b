/**
 * The reference's strategy: a random number of the range that this game has
 * not guessed yet. The reference draws and retries against a list of earlier
 * guesses, so a game costs the square of its length and loops forever once
 * the range is used up. Here a guess costs O(1) expected time, a game O(1)
 * memory whatever the range's size, no guess repeats, and `next()` says when
 * every number has been guessed:
 *
 * - up to 1024 numbers: each guess drawn from those not yet guessed, as the
 *   reference's odds are, the guessed ones kept as bits (of one integer up
 *   to 32 numbers);
 * - up to 2^32: a keyed pseudo-random permutation of the range, walked in
 *   order: a Feistel network over the least power of two at least the
 *   range's size, on 32-bit integers, with cycle walking to stay inside the
 *   range (fewer than two walks a guess);
 * - larger: the same on `bigint`, over the least power of four, exact at any
 *   size.
 *
 * Up to 2^32 the guesses are plain `number`s when every number of the range
 * is a safe integer, so that a game's hot path makes no `bigint`.
 *
 * @module
 */

import type { Guesser, NumberStrategy, Strategy } from "./types.ts";
import { word } from "./word.ts";

// Six rounds of the 32-bit network left a bias in the pairs of consecutive
// guesses over 1..64 (chi-square 6.7 and 11.7 standard deviations above its
// mean over 200,000 games); eight did not; twelve keep a margin, for the
// bigint network too.
const ROUNDS = 12; // the length of SmallRandom's key literal
const TINY = 32;
/** The most numbers a game draws from those not yet guessed: 32 words of bits. */
const MEDIUM = 1024;
const SMALL_SIZE = 2 ** 32;
const SMALL = BigInt(SMALL_SIZE);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

/** Murmur3's 32-bit finaliser: a bijective mix of a 32-bit word. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Guess `x` of a range of up to 2^32 numbers, as a number of the range. */
function at(lower: number, bigLower: bigint | undefined, x: number): bigint | number {
  return bigLower === undefined ? lower + x : bigLower + BigInt(x);
}

/**
 * A range of up to 32 numbers: each guess drawn from the numbers not yet
 * guessed, kept as the bits of one integer, as the reference's odds are. A
 * network over so few numbers would need many more rounds to play every
 * order as often as any other. The draws come from a Weyl sequence through
 * {@linkcode mix32}, seeded from `random` when the game starts, so that all
 * of a game's randomness is drawn at `PARAMS`, as the network's is.
 */
class TinyRandom implements Guesser<bigint | number> {
  #lower: number;
  #bigLower: bigint | undefined;
  #state: number;
  #unguessed: number;
  #left: number;

  constructor(lower: number, bigLower: bigint | undefined, size: number, random: () => number) {
    this.#lower = lower;
    this.#bigLower = bigLower;
    this.#state = word(random) | 0;
    this.#unguessed = (2 ** size - 1) | 0;
    this.#left = size;
  }

  next(): bigint | number | undefined {
    const left = this.#left;
    if (left === 0) return undefined;
    this.#left = left - 1;
    this.#state = (this.#state + 0x9e3779b9) | 0;
    // A 32-bit draw times at most 32 is exact in a double.
    let n = Math.floor(mix32(this.#state) * left / 2 ** 32);
    let bits = this.#unguessed;
    while (n-- > 0) bits &= bits - 1; // the lowest n unguessed numbers aside
    const lowest = bits & -bits;
    this.#unguessed ^= lowest;
    return at(this.#lower, this.#bigLower, 31 - Math.clz32(lowest));
  }

  report(): void {}
}

/** The bits set in a 32-bit word. */
function popcount(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/**
 * A range of 33 to {@linkcode MEDIUM} numbers: each guess drawn from the
 * numbers not yet guessed, as the reference's odds are, kept as the bits of
 * a few 32-bit words (four for 1..100). While at least half the range is
 * left, a draw over the whole range is retried until it finds an unguessed
 * number (fewer than two draws a guess); after that, the n-th unguessed
 * number is found by counting bits, word by word. The draws come from a
 * Weyl sequence through {@linkcode mix32}, its start and step drawn from
 * `random` when the game starts. A guess costs one or two `mix32`s, where
 * the network's cost twelve to twenty-four.
 */
class MediumRandom implements Guesser<bigint | number> {
  #lower: number;
  #bigLower: bigint | undefined;
  #size: number;
  #left: number;
  #state: number;
  #step: number;
  #guessed: number[];

  constructor(lower: number, bigLower: bigint | undefined, size: number, random: () => number) {
    this.#lower = lower;
    this.#bigLower = bigLower;
    this.#size = size;
    this.#left = size;
    this.#state = word(random) | 0;
    this.#step = word(random) | 1;
    const guessed: number[] = [];
    for (let i = 0; i < size; i += 32) guessed.push(0);
    this.#guessed = guessed;
  }

  /** The next draw, in [0, n) for n up to 2^21 (exact in a double). */
  #draw(n: number): number {
    this.#state = (this.#state + this.#step) | 0;
    return Math.floor(mix32(this.#state) * n / 2 ** 32);
  }

  next(): bigint | number | undefined {
    const left = this.#left;
    if (left === 0) return undefined;
    this.#left = left - 1;
    const guessed = this.#guessed;
    let x: number;
    if (left * 2 > this.#size) {
      do x = this.#draw(this.#size); while ((guessed[x >>> 5] >>> (x & 31)) & 1);
    } else {
      let n = this.#draw(left);
      let w = 0;
      let free = 0;
      for (;; w++) {
        // The last word's bits past the range count as guessed.
        const past = w * 32 + 32 - this.#size;
        free = ~guessed[w] & (past > 0 ? -1 >>> past : -1);
        const count = popcount(free);
        if (n < count) break;
        n -= count;
      }
      while (n-- > 0) free &= free - 1; // the lowest n unguessed numbers aside
      x = w * 32 + 31 - Math.clz32(free & -free);
    }
    guessed[x >>> 5] |= 1 << (x & 31);
    return at(this.#lower, this.#bigLower, x);
  }

  report(): void {}
}

/**
 * A range of {@linkcode MEDIUM} + 1 to 2^32 numbers, on 32-bit integers: a
 * Feistel network over the least power of two at least the range's size, in
 * two halves of at least three bits each. Every round is then an even permutation of the
 * network's numbers, so the network alone would play only half the orders
 * of a game, and some of those more often than others; a key bit then swaps
 * 0 and 1, so that every order is possible and none more likely.
 */
class SmallRandom implements Guesser<bigint | number> {
  #lower: number;
  #bigLower: bigint | undefined;
  #size: number;
  #low: number;
  #lowMask: number;
  #highMask: number;
  #flip: number;
  // Small integers in a plain array: 12 of them cost less there than a
  // typed array's buffer, in every idle game.
  #keys: number[];
  #count = 0;

  constructor(lower: number, bigLower: bigint | undefined, size: number, random: () => number) {
    const bits = 32 - Math.clz32(size - 1);
    const low = bits >> 1;
    this.#lower = lower;
    this.#bigLower = bigLower;
    this.#size = size;
    this.#low = low;
    this.#lowMask = (1 << low) - 1;
    this.#highMask = (1 << (bits - low)) - 1;
    // The keys come from two draws, through mix32 over a Weyl sequence, not
    // from a draw each: `random` is a call into the runtime (Math.random),
    // and a game starts every few round trips. The array starts as a literal
    // of ROUNDS small integers, which costs less than growing it by push().
    const seed = word(random);
    const offset = word(random);
    const keys = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    for (let i = 0; i < ROUNDS; i++) keys[i] = mix32((seed + i * 0x9e3779b9) ^ offset) >>> 2;
    this.#keys = keys;
    this.#flip = mix32(seed ^ ~offset) & 1;
  }

  #encrypt(x: number): number {
    const keys = this.#keys;
    const lowMask = this.#lowMask;
    const highMask = this.#highMask;
    // x < 2^32: `>>>` and `&` read it as an unsigned 32-bit integer.
    let high = x >>> this.#low;
    let low = x & lowMask;
    for (let i = 0; i < ROUNDS; i += 2) {
      high ^= mix32(low ^ keys[i]) & highMask;
      low ^= mix32(high ^ keys[i + 1]) & lowMask;
    }
    x = high * (lowMask + 1) + low;
    return x < 2 ? x ^ this.#flip : x;
  }

  next(): bigint | number | undefined {
    if (this.#count === this.#size) return undefined;
    let x = this.#encrypt(this.#count++);
    while (x >= this.#size) x = this.#encrypt(x);
    return at(this.#lower, this.#bigLower, x);
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

/** A range of up to 2^32 numbers: `lower + x`, or `bigLower + x` when that is set. */
function small(
  lower: number,
  bigLower: bigint | undefined,
  size: number,
  random: () => number,
): Guesser<bigint | number> {
  return size <= TINY
    ? new TinyRandom(lower, bigLower, size, random)
    : size <= MEDIUM
    ? new MediumRandom(lower, bigLower, size, random)
    : new SmallRandom(lower, bigLower, size, random);
}

/**
 * Guesses at random, never the same number twice in a game.
 *
 * @param lower The least number of the range.
 * @param upper The greatest number of the range.
 * @param random A source of numbers in [0, 1), such as `Math.random`.
 * @returns The game's guesser.
 */
export const random: Strategy<bigint | number> = (lower, upper, random) => {
  const size = upper - lower + 1n;
  if (size > SMALL) return new BigRandom(lower, size, random);
  const exact = lower >= MIN_SAFE && upper <= MAX_SAFE;
  return exact
    ? small(Number(lower), undefined, Number(size), random)
    : small(0, lower, Number(size), random);
};

/**
 * {@linkcode random} over a range given as safe integers: the same games,
 * started with no `bigint` for a range of up to 2^32 numbers.
 */
export const randomNumbers: NumberStrategy = (lower, upper, random) => {
  const size = upper - lower + 1; // exact: at most 2^54 - 1
  return size > SMALL_SIZE
    ? new BigRandom(BigInt(lower), BigInt(size), random)
    : small(lower, undefined, size, random);
};
