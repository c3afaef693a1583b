/**
 * The `smart` strategy's endgame: with five guesses or fewer left to the
 * bound, when some answer of the plan's remaining play would lead to a
 * repeated guess (`walk.ts`), an exact search for a guess from which every
 * answer plays out within the bound with no repeat at all.
 *
 * A position is the numbers still possible after a guess, with some guesses
 * left. The search tries guesses whose midpoint with the previous one falls
 * among the numbers, nearest a balanced split first, then the numbers
 * themselves, and follows every answer to each. Numbers are offsets from an
 * origin, set when a plan first needs the search, as doubles. Positions
 * already settled are kept in a table, keyed by their hull, the guesses left
 * and every guess since the origin was set (which fixes the numbers already
 * guessed); the table is cleared with each new origin.
 *
 * Cost: one search looks at its budget of positions at the most (4000, the
 * constructor's default, which the guesser uses); then it gives up, and the
 * plan's guess stands, repeat or not. The table gains at most as many
 * positions a search, of at most 46 numbers each (`reach(5)`), and is
 * cleared with each new origin.
 *
 * @module
 */

import { EXACT, type Game } from "./game.ts";

/** With this many guesses left to the bound or fewer, the endgame checks for repeats. */
export const ENDGAME = 5;
/** The default budget: positions one search may look at before giving up on a repeat-free play. */
const SEARCH_NODES = 4000;

/**
 * The most numbers `left` guesses can settle even with the best placed
 * previous guess: each guess may be the secret, split off the midpoint, and
 * leave at most this many fewer on either side.
 */
export function reach(left: number): number {
  return left < 1 ? 0 : 3 * 2 ** (left - 1) - 2;
}

/**
 * What the search finds for a position, or for one guess at it: a guess from
 * which every answer plays out with no repeat (`found`); that there is none
 * (`fails`); or nothing, having looked at as many positions as it may.
 */
type Outcome =
  | { readonly kind: "found"; readonly guess: bigint }
  | { readonly kind: "fails" }
  | { readonly kind: "out-of-budget" };

const FAILS: Outcome = { kind: "fails" };
const OUT_OF_BUDGET: Outcome = { kind: "out-of-budget" };

/** Where the search is. */
interface Position {
  /** The numbers still possible, as offsets from the origin, ascending. */
  readonly set: readonly number[];
  /** The last guess, if any. */
  readonly prev: bigint | undefined;
  /** The guesses left to the bound. */
  readonly left: number;
  /** Every guess since the origin was set, as offsets, in order, ending with `prev`: a key. */
  readonly trail: string;
}

/** A guess to try at a position. */
interface Move {
  readonly guess: bigint;
  /** Its offset from the origin, if it is one of the position's numbers; else NaN. */
  readonly self: number;
  /** Twice its midpoint with the position's `prev`, as an offset from the origin. */
  readonly twice: number;
  /** Whether it is above `prev`. */
  readonly up: boolean;
}

/** The endgame search of one game, with its table of positions. */
export class Endgame {
  readonly #game: Game;
  #origin: bigint | undefined;
  /** The guess before #origin was set and every guess since, as offsets from it. */
  #trail = "";
  /** Settled positions: `found` or `fails`, never `out-of-budget`. */
  readonly #memo = new Map<string, Outcome>();
  /** Positions one search may look at before it gives up. */
  readonly #budget: number;
  #nodes = 0;
  /** The search's own guesses on the way to the position it looks at. */
  readonly #local: bigint[] = [];

  /**
   * The search for `game`, which the guesser keeps current.
   *
   * @param game The game in play: its range and the numbers guessed so far.
   * @param budget How many positions one search may look at before it gives
   *   up and `search` returns `undefined`; 4000 unless told otherwise.
   *   Positions already in the table, and those settled without a look (one
   *   number left, fewer than two guesses left, or more numbers than the
   *   guesses left can settle), do not count.
   */
  constructor(game: Game, budget: number = SEARCH_NODES) {
    this.#game = game;
    this.#budget = budget;
  }

  /** Forgets the origin: the next search sets one afresh, for a new plan. */
  reset(): void {
    this.#origin = undefined;
  }

  /** Notes a guess the game made, once the origin is set. */
  record(guess: bigint): void {
    if (this.#origin !== undefined) this.#trail += `,${guess - this.#origin}`;
  }

  /**
   * A guess from which every answer can still be played out with no repeated
   * guess, for the numbers `candidates` (ascending) after `last`, with `left`
   * guesses to the bound; `undefined` if the search finds none, or gives up
   * after looking at as many positions as its budget allows.
   */
  search(
    candidates: readonly bigint[],
    last: bigint | undefined,
    left: number,
  ): bigint | undefined {
    if (this.#origin === undefined) {
      this.#origin = candidates[0];
      this.#trail = last === undefined ? "" : `${last - candidates[0]}`;
      this.#memo.clear();
    }
    const origin = this.#origin;
    this.#nodes = 0;
    const set = candidates.map((v) => Number(v - origin));
    const outcome = this.#solve({ set, prev: last, left, trail: this.#trail });
    return outcome.kind === "found" ? outcome.guess : undefined;
  }

  /** The outcome of a position, from the table if it is there. */
  #solve(at: Position): Outcome {
    const { set, left, trail } = at;
    if (set.length === 1) return { kind: "found", guess: this.#origin! + BigInt(set[0]) };
    if (left < 2 || set.length > reach(left)) return FAILS;
    // The trail fixes which numbers were guessed, so the hull fixes the set.
    const key = `${set[0]} ${set[set.length - 1]} ${left}|${trail}`;
    const seen = this.#memo.get(key);
    if (seen !== undefined) return seen;
    if (++this.#nodes > this.#budget) return OUT_OF_BUDGET;
    const outcome = this.#explore(at);
    if (outcome.kind !== "out-of-budget") this.#memo.set(key, outcome);
    return outcome;
  }

  /** The first guess, nearest a balanced split, after which every answer plays out. */
  #explore(at: Position): Outcome {
    const { set, prev, left } = at;
    const { lower, upper, guessed } = this.#game;
    const origin = this.#origin!;
    const local = this.#local;
    const n = set.length;
    const lo = set[0];
    const hi = set[n - 1];
    const median = set[(n - 1) >> 1] + set[n >> 1];
    if (prev === undefined) {
      // A first guess tells nothing but may be the secret; where it goes matters next.
      for (let i = 0; i <= 6 * (hi - lo) + 4; i++) {
        const k = (median >> 1) + (i & 1 ? (i + 1) >> 1 : -(i >> 1));
        if (k < 2 * lo - hi - 1 || k > 2 * hi - lo + 1) continue;
        const guess = origin + BigInt(k);
        if (guess < lower || guess > upper || guessed.has(guess) || local.includes(guess)) continue;
        const outcome = this.#try(at, { guess, self: k, twice: 0, up: true });
        if (outcome.kind !== "fails") return outcome;
      }
      return FAILS;
    }
    // Guesses whose midpoint with the previous one falls among the candidates,
    // nearest the median first; then the candidates themselves. A midpoint
    // beyond [from, to] leaves more than `most` on one side, even if the guess
    // is one of them, or puts the guess out of the range. A guess is
    // `base + twice`, `shift + twice` from the origin.
    const most = reach(left - 1);
    const base = 2n * origin - prev;
    const shift = origin - prev;
    const bound = (v: bigint) => (v > EXACT ? Infinity : v < -EXACT ? -Infinity : Number(v));
    const from = Math.max(
      2 * lo - 1,
      n - 2 - most >= 0 ? 2 * set[n - 2 - most] : -Infinity,
      bound(lower - base),
    );
    const to = Math.min(
      2 * hi + 1,
      most + 1 < n ? 2 * set[most + 1] : Infinity,
      bound(upper - base),
    );
    const offset = bound(shift);
    for (let i = 0; i <= 4 * (hi - lo) + 4; i++) {
      const twice = median + (i & 1 ? (i + 1) >> 1 : -(i >> 1));
      if (twice < from || twice > to) continue;
      const guess = base + BigInt(twice);
      if (guess === prev || guessed.has(guess) || local.includes(guess)) continue;
      const self = offset + twice >= lo && offset + twice <= hi ? offset + twice : NaN;
      const outcome = this.#try(at, { guess, self, twice, up: guess > prev });
      if (outcome.kind !== "fails") return outcome;
    }
    const near = prev - origin;
    for (const x of set) {
      const twice = near + BigInt(x);
      if (twice >= BigInt(2 * lo - 1) && twice <= BigInt(2 * hi + 1)) continue;
      const move = { guess: origin + BigInt(x), self: x, twice: Number(twice), up: x > near };
      const outcome = this.#try(at, move);
      if (outcome.kind !== "fails") return outcome;
    }
    return FAILS;
  }

  /** Whether every answer to `move` at `at` can be played out: `found` with its guess if so. */
  #try(at: Position, move: Move): Outcome {
    const { set, prev, left, trail } = at;
    const { guess, self, twice, up } = move;
    const most = reach(left - 1);
    const warmer: number[] = [];
    const colder: number[] = [];
    const unsure: number[] = [];
    for (const x of set) {
      if (x === self) continue;
      const d = prev === undefined ? 0 : 2 * x - twice;
      if (d === 0) unsure.push(x);
      else if ((d > 0) === up) warmer.push(x);
      else colder.push(x);
    }
    if (warmer.length > most || colder.length > most || unsure.length > most) return FAILS;
    if (prev !== undefined && unsure.length > 1) return FAILS;
    const next = `${trail},${guess - this.#origin!}`;
    let outcome: Outcome = { kind: "found", guess };
    this.#local.push(guess);
    for (const part of [warmer, colder, unsure].sort((a, b) => b.length - a.length)) {
      if (part.length === 0) continue;
      const answer = this.#solve({ set: part, prev: guess, left: left - 1, trail: next });
      if (answer.kind !== "found") {
        outcome = answer;
        break;
      }
    }
    this.#local.pop();
    return outcome;
  }
}
