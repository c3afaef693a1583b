/**
 * The walk of the plan's remaining play: every answer to every reflection,
 * to see whether the bound still holds and whether a guess would repeat. It
 * licenses the moves that keep the `smart` strategy's guesses fresh before
 * the endgame: a planned reflection that would repeat an earlier guess is
 * moved by a step or two, and a round's pair whose second guess would repeat
 * is spread apart by a step (up to three), when a walk of every answer of the
 * remaining play shows the bound still holds. In the endgame, a walk that
 * finds no repeat at all spares the exact search (`endgame.ts`).
 *
 * Cost: a walk covers at most 65536 numbers, so its time is bounded whatever
 * the range; positions are doubles, relative to the interval's bottom.
 *
 * @module
 */

import { EXACT, type Game } from "./game.ts";
import type { Plan } from "./plan.ts";

/** Most numbers a walk through the plan's remaining play may cover. */
const WALK_LIMIT = 65536n;

/** Where a walk starts. */
export interface Start {
  /** The least number the plan still allows. */
  readonly l: bigint;
  /** The greatest number the plan still allows. */
  readonly r: bigint;
  /** The guess before the walk's first. */
  readonly prev: bigint;
  /** The walk's first guess, if not the plan's reflection of `prev`. */
  readonly first?: bigint;
  /** How many guesses the game has made before the walk's first. */
  readonly used: number;
  /** Whether a guess that repeats an earlier one fails the walk. */
  readonly fresh: boolean;
}

/**
 * Walks the plan's reflections about the middle from `start.prev` over
 * [l, r], for every answer: true if every guess stays in the range and within
 * the bound, and if `fresh`, none repeats an earlier one. False, too, for
 * intervals of more than WALK_LIMIT numbers or positions too far apart for
 * doubles.
 */
export function walk(game: Game, start: Start): boolean {
  const { l, r, prev, first, used, fresh } = start;
  const far = (v: bigint) => v - l > EXACT || l - v > EXACT;
  if (r - l >= WALK_LIMIT || far(prev) || (first !== undefined && far(first))) return false;
  const low = far(game.lower) ? -Infinity : Number(game.lower - l);
  const high = far(game.upper) ? Infinity : Number(game.upper - l);
  const taken = new Set<number>();
  if (fresh) { for (const v of game.guessed) if (!far(v)) taken.add(Number(v - l)); }
  const limit = game.limit;
  const path: number[] = [];
  const visit = (lo: number, hi: number, p: number, n: number, g?: number): boolean => {
    if (lo > hi) return true;
    if (n + 1 > limit) return false;
    if (lo === hi) return true;
    if (g === undefined) {
      g = Math.floor((lo + hi) / 2) * 2 - p;
      if (g === p) g++;
      g = Math.min(Math.max(g, low), high);
    }
    if (fresh && (taken.has(g) || path.includes(g))) return false;
    const half = Math.floor((p + g) / 2);
    const even = half * 2 === p + g;
    if (even && half >= lo && half <= hi && n + 2 > limit) return false;
    path.push(g);
    const ok = visit(lo, Math.min(hi, even ? half - 1 : half), g, n + 1) &&
      visit(Math.max(lo, half + 1), hi, g, n + 1);
    path.pop();
    return ok;
  };
  return visit(
    0,
    Number(r - l),
    Number(prev - l),
    used,
    first === undefined ? undefined : Number(first - l),
  );
}

/**
 * A fresh guess next to `g`, the plan's reflection of `last`, that keeps the
 * bound after `used` guesses, if a walk finds one.
 */
export function sidestep(
  game: Game,
  plan: Plan,
  g: bigint,
  last: bigint,
  used: number,
): bigint | undefined {
  for (const d of [1n, -1n, 2n, -2n]) {
    const first = g + d;
    if (first < game.lower || first > game.upper || first === last) continue;
    if (game.guessed.has(first)) continue;
    if (walk(game, { l: plan.l, r: plan.r, prev: last, first, used, fresh: false })) return first;
  }
  return undefined;
}

/**
 * Moves a round's pair apart from its midpoint, x up and y down alike, when
 * y was guessed before and a walk from the moved y keeps the bound; the pair
 * is to start after `used` guesses.
 */
export function spreadPair(game: Game, plan: Plan, used: number): void {
  const s = (plan.x + plan.y) >> 1n;
  for (let d = 1n; d <= 3n; d++) {
    const x = plan.x + d;
    const y = plan.y - d;
    if (y <= s || game.guessed.has(x) || game.guessed.has(y)) continue;
    if (walk(game, { l: s + 1n, r: plan.r, prev: y, used: used + 2, fresh: false })) {
      plan.x = x;
      plan.y = y;
      return;
    }
  }
}
