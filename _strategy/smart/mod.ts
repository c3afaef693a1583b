/**
 * The `smart` strategy: IOI 2010's "Hotter Colder" play. It keeps the interval
 * of numbers the reports still allow and picks each guess so that its midpoint
 * with the guess before it (where "Warmer" turns into "Colder") splits that
 * interval as evenly as it can, every guess inside the game's range.
 *
 * Bound: over a range of N numbers it ends with a guess equal to the secret
 * within W + 1 guesses, where W is the largest integer with 2^W <= 3N (W
 * guesses to know the number, one to say it), whatever the secret, provided
 * every guess is reported. That is IOI 2010's full-score bound, and the best
 * possible worst case for some N (1..21, for one, needs 6 guesses). How the
 * plan keeps it is in `smart/plan.ts`.
 *
 * The guesser ties the parts together: it tracks what the reports allow (by
 * the rule in `interval.ts`), follows the plan (`smart/plan.ts`), moves the
 * plan's guesses off numbers already guessed when a walk of the remaining
 * play shows the bound holds (`smart/walk.ts`), searches exactly in the
 * endgame (`smart/endgame.ts`), and falls back to random guesses after a lie
 * (`smart/fallback.ts`).
 *
 * Cost: O(1) bigint operations per guess (O(log N) once, to start a game),
 * plus the bounded checks for repeats; memory O(1) in N besides the list of
 * guesses (at most W + 1 with honest reports) and the endgame search's table
 * (bounded). Randomness is used only after a lie.
 *
 * Repeats: a number guessed before is known not to be the secret, so the
 * strategy avoids guessing it again whenever a check finds a fresh guess that
 * keeps the bound. It can still repeat where no check succeeds: in about 0.3%
 * of the games over 1..N for N up to 3000 (the smallest such N is 170), and,
 * in some bigger ranges (from a few hundred thousand numbers), at a pair's
 * second guess for every game that reaches that pair. A repeat never breaks
 * the bound, and the last guess, the one that says the number, is never a
 * repeat.
 *
 * Liars: reports that no secret could give empty the interval, and the
 * guesser hands the game to `smart/fallback.ts`, which returns `undefined`
 * only once every number of the range has been guessed. If `next()` is called
 * again before the last guess was reported, it plays on from what it knows,
 * with the bound counted afresh.
 *
 * @module
 */

import type { Decision } from "../../protocol.ts";
import { narrow } from "../interval.ts";
import { ENDGAME, Endgame, reach } from "./endgame.ts";
import { Fallback } from "./fallback.ts";
import { bound, Plan } from "./plan.ts";
import { sidestep, spreadPair, walk } from "./walk.ts";
import type { Guesser, Strategy } from "../types.ts";

class Smart implements Guesser {
  readonly #random: () => number;
  /** The range, the guesses and the bound, as the checks read them. */
  readonly #game: { lower: bigint; upper: bigint; guessed: Set<bigint>; limit: number };
  #count = 0;
  #last: bigint | undefined;
  #before: bigint | undefined;
  #awaiting = false;
  /** What the reports allow, guessed numbers aside. */
  #low: bigint;
  #high: bigint;
  #plan: Plan | undefined;
  /** Set once a liar has emptied the interval. */
  #lost: Fallback | undefined;
  readonly #endgame: Endgame;
  /** Whether the plan's remaining play has been walked and repeats nothing. */
  #clean = false;

  constructor(lower: bigint, upper: bigint, random: () => number) {
    this.#random = random;
    this.#game = { lower, upper, guessed: new Set(), limit: 0 };
    this.#endgame = new Endgame(this.#game);
    this.#low = lower;
    this.#high = upper;
    this.#start();
  }

  /** Plans afresh over what the reports allow. */
  #start(): void {
    const n = this.#high - this.#low + 1n;
    if (n < 1n) return;
    this.#game.limit = this.#count + bound(n);
    this.#plan = new Plan(this.#low, this.#high);
    this.#endgame.reset();
    this.#clean = false;
  }

  next(): bigint | undefined {
    if (this.#lost !== undefined) return this.#lost.next();
    const left = this.#game.limit - this.#count;
    const end = left >= 2 && left <= ENDGAME;
    const candidates = this.#candidates(end ? reach(left) : 1);
    if (candidates?.length === 0) {
      const { lower, upper, guessed } = this.#game;
      this.#lost = new Fallback(lower, upper, guessed, this.#random);
      return this.#lost.next();
    }
    if (this.#awaiting) {
      // The last guess went unreported: what it would have said is lost.
      this.#awaiting = false;
      this.#start();
      return this.next();
    }
    let guess: bigint | undefined;
    if (candidates?.length === 1) guess = candidates[0];
    else if (candidates !== undefined && end && !this.#clean) {
      if (this.#repeatsNothing()) this.#clean = true;
      else {
        guess = this.#endgame.search(candidates, this.#last, left);
        if (guess !== undefined) this.#plan = undefined; // The plan no longer describes the play.
      }
    }
    guess ??= this.#planned();
    this.#game.guessed.add(guess);
    this.#endgame.record(guess);
    this.#before = this.#last;
    this.#last = guess;
    this.#count++;
    this.#awaiting = true;
    return guess;
  }

  report(decision: Decision): void {
    if (!this.#awaiting || this.#lost !== undefined) return;
    this.#awaiting = false;
    if (decision === "Correct") return;
    this.#plan?.update(this.#before, this.#last!, decision);
    const left = narrow(this.#low, this.#high, this.#before, this.#last!, decision);
    if (left === undefined) this.#high = this.#low - 1n; // No secret gives this: a liar.
    else {
      this.#low = left.lower;
      this.#high = left.upper;
    }
  }

  /**
   * The numbers still possible, if at most `max`; `undefined` if more. None
   * at all: the reports came from a liar.
   */
  #candidates(max: number): bigint[] | undefined {
    const guessed = this.#game.guessed;
    while (this.#low <= this.#high && guessed.has(this.#low)) this.#low++;
    while (this.#low <= this.#high && guessed.has(this.#high)) this.#high--;
    if (this.#low > this.#high) return [];
    if (this.#high - this.#low >= BigInt(max + guessed.size)) return undefined;
    const out: bigint[] = [];
    for (let v = this.#low; v <= this.#high; v++) {
      if (guessed.has(v)) continue;
      out.push(v);
      if (out.length > max) return undefined;
    }
    return out;
  }

  /** Whether the plan is reflecting and every answer of its remaining play is a fresh guess. */
  #repeatsNothing(): boolean {
    const plan = this.#plan;
    if (plan?.phase !== "hot" || plan.override !== undefined) return false;
    const start = { l: plan.l, r: plan.r, prev: this.#last!, used: this.#count, fresh: true };
    return walk(this.#game, start);
  }

  #clamp(v: bigint): bigint {
    const { lower, upper } = this.#game;
    return v < lower ? lower : v > upper ? upper : v;
  }

  /** The plan's guess, moved off a number already guessed when a walk allows. */
  #planned(): bigint {
    if (this.#plan === undefined) this.#start();
    const plan = this.#plan!;
    const guessed = this.#game.guessed;
    const isGuessed = (v: bigint) => guessed.has(v);
    if (plan.phase === "round") {
      if (plan.startRound(isGuessed) && guessed.has(plan.y)) {
        spreadPair(this.#game, plan, this.#count);
      }
    } else if (plan.phase === "hot") {
      const g = this.#clamp(plan.reflect(this.#last));
      if (guessed.has(g)) plan.override = sidestep(this.#game, plan, g, this.#last!, this.#count);
    }
    return this.#clamp(plan.guess(this.#last, isGuessed));
  }
}

/**
 * Plays IOI 2010's "Hotter Colder" strategy: every report halves the numbers
 * left as nearly as the range allows, so a game over N numbers ends within
 * W + 1 guesses, W the largest integer with 2^W <= 3N. Guesses stay inside
 * `lower..upper`, exact at any size; after reports that no secret could give
 * it guesses at random among the numbers not yet guessed.
 *
 * @param lower The least number of the range.
 * @param upper The greatest number of the range, at least `lower`.
 * @param random A source of numbers in [0, 1), such as `Math.random`; used
 *   only once the reports have contradicted each other.
 * @returns The game's guesser.
 */
export const smart: Strategy = (lower, upper, random) => new Smart(lower, upper, random);
