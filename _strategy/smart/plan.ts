/**
 * The plan the `smart` strategy's bound rests on: IOI 2010's "Hotter Colder"
 * play over an interval. Keeping its guesses fresh is mostly left to
 * `walk.ts` and `endgame.ts`.
 *
 * How: the first guess of a game tells nothing (its report is always
 * "Unsure"), so guesses go in pairs x, y whose midpoint s splits the range.
 * "Warmer" leaves the numbers above s with y, the last guess, about a third of
 * the way into them; from there each guess is the reflection of the previous
 * one about the middle of what is left, which halves it. That third is what
 * keeps every later reflection inside the range: near the top of the range
 * the reflections have no room above, and below they swing out by about a
 * third of the interval, into the numbers below s. "Colder" leaves the numbers
 * below s with the last guess above them, where a reflection would fall below
 * the range: there one cheap guess at the lowest number not yet guessed
 * re-positions (its report tells nothing), and the play starts over on that
 * prefix with two guesses fewer. Sizes come from C(w), the most numbers w
 * guesses sort out this way: C(w) = C(w - 2) + 2^(w - 1), at least
 * (2^(w + 1) - 1) / 3, so a game needs at most the W guesses to know.
 *
 * Cost: O(1) bigint operations per guess, O(log N) once to start.
 *
 * @module
 */

import type { Decision } from "../../protocol.ts";
import { narrow } from "../interval.ts";

/**
 * W + 1 for `n` numbers (at least one), W the largest integer with
 * 2^W <= 3n: the guesses the plan needs at most to say the secret.
 */
export function bound(n: bigint): number {
  return (3n * n).toString(2).length;
}

/** C(w): the most numbers w guesses sort out from a fresh interval. */
function capacity(w: number): bigint {
  return w < 0 ? 0n : ((1n << BigInt(w + 1)) + 1n) / 3n;
}

/**
 * Where in an interval of m numbers at the top of the range the previous guess
 * must be, counted from the interval's bottom plus one, so that reflecting
 * about the middle never leaves the range: f(m) = ceil(m/2) - f(floor(m/2)),
 * 1 below 5. The top half keeps the same shape, so the rule holds all the way.
 */
function third(m: bigint): bigint {
  const chain: bigint[] = [];
  for (; m >= 5n; m >>= 1n) chain.push(m);
  let f = 1n;
  for (let i = chain.length - 1; i >= 0; i--) f = ((chain[i] + 1n) >> 1n) - f;
  return f;
}

/**
 * Where the plan is: about to start a round; after a round's first or second
 * guess, or waiting for the second's report; reflecting ("hot"); or knowing
 * the number.
 */
export type Phase = "round" | "pairX" | "pairY" | "pairWait" | "hot" | "known";

/**
 * The plan over a structural interval [l, r] that the reports narrow exactly.
 * `w` counts the guesses the rounds still have.
 */
export class Plan {
  l: bigint;
  r: bigint;
  w: number;
  first = true;
  phase: Phase = "round";
  x = 0n;
  y = 0n;
  known = 0n;
  /** A guess to make instead of the plan's next one, once. */
  override: bigint | undefined;

  /** A fresh plan over [l, r], with the fewest rounds' guesses that sort it out. */
  constructor(l: bigint, r: bigint) {
    const n = r - l + 1n;
    let w = Math.max(0, bound(n) - 3);
    while (capacity(w) < n) w++;
    this.l = l;
    this.r = r;
    this.w = w;
  }

  /**
   * Plans a round's pair: x tells nothing, then y's midpoint with x splits
   * [l, r]. False if at most one number is left to split.
   */
  startRound(isGuessed: (v: bigint) => boolean): boolean {
    while (this.l < this.r && isGuessed(this.l)) this.l++;
    const { l, r, w } = this;
    if (l >= r || w < 2) {
      this.known = l;
      this.phase = "known";
      return false;
    }
    const s = l + capacity(w - 2);
    if (!this.first) {
      this.x = l;
      this.y = 2n * s - l;
    } else if (r - s < 1n) {
      this.x = l;
      this.y = r;
    } else {
      this.y = s + third(r - s);
      this.x = 2n * s - this.y;
    }
    this.phase = "pairX";
    return true;
  }

  /** The reflection of `prev` about the middle of [l, r]. */
  reflect(prev: bigint | undefined): bigint {
    if (this.l >= this.r || prev === undefined) return this.l;
    const g = ((this.l + this.r) >> 1n) * 2n - prev;
    return g === prev ? g + 1n : g;
  }

  /** The plan's next guess, `prev` the last one made. */
  guess(prev: bigint | undefined, isGuessed: (v: bigint) => boolean): bigint {
    const override = this.override;
    if (override !== undefined) {
      this.override = undefined;
      return override;
    }
    if (this.phase === "round") this.startRound(isGuessed);
    switch (this.phase) {
      case "pairX":
        this.phase = "pairY";
        return this.x;
      case "pairY":
        this.phase = "pairWait";
        return this.y;
      case "hot":
        return this.reflect(prev);
      case "known":
        return this.known;
      default:
        return this.l;
    }
  }

  /** Follows the report of `guess`, `prev` the guess before it. */
  update(prev: bigint | undefined, guess: bigint, decision: Decision): void {
    if (decision === "Correct" || (this.phase !== "pairWait" && this.phase !== "hot")) return;
    const left = narrow(this.l, this.r, prev, guess, decision);
    // No number the plan covers gives this report: a lie, which the guesser catches.
    if (left === undefined) return;
    if (decision === "Unsure") {
      if (left.lower === left.upper) {
        this.known = left.lower;
        this.phase = "known";
      }
      return;
    }
    if (this.phase === "pairWait") {
      // Colder keeps the numbers below the pair's midpoint, Warmer those above.
      this.w -= 2;
      this.first = false;
      this.phase = decision === "Colder" ? "round" : "hot";
    }
    this.l = left.lower;
    this.r = left.upper;
  }
}
