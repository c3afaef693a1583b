/**
 * The decision rule read backwards: which secrets a report allows. Against
 * the guess before it, a guess is `Warmer` when the secret is nearer to it,
 * that is past their midpoint on the guess's side; `Colder` when the secret
 * is past the midpoint on the other side; `Unsure` when the secret is the
 * midpoint itself, which must then be an integer. With no guess before it (or
 * the same guess again) the rule can only say `Unsure`, which tells nothing.
 *
 * Everything that narrows what a game still allows uses this one rule: the
 * `smart` strategy's plan and its guesser, and the person-at-the-keyboard
 * client's refusal of a contradiction.
 *
 * @module
 */

import type { Decision } from "../protocol.ts";

/** The integers from `lower` to `upper`, inclusive, at least one. */
export interface Interval {
  /** The least. */
  readonly lower: bigint;
  /** The greatest, at least `lower`. */
  readonly upper: bigint;
}

/**
 * What is left of `lower..upper` once `decision` was said of `guess`,
 * `previous` being the game's guess before it, if any: `undefined` when
 * nothing is left, as when no secret could give that decision. Any decision
 * but `Correct` also rules out the guess itself; that is left to the caller,
 * which keeps the guesses.
 */
export function narrow(
  lower: bigint,
  upper: bigint,
  previous: bigint | undefined,
  guess: bigint,
  decision: Decision,
): Interval | undefined {
  if (decision === "Correct") {
    if (lower < guess) lower = guess;
    if (upper > guess) upper = guess;
  } else if (previous === undefined || previous === guess) {
    if (decision !== "Unsure") return undefined;
  } else {
    // Twice the midpoint. `>>` floors for either sign, where `/` truncates.
    const sum = previous + guess;
    if (decision === "Unsure") {
      if ((sum & 1n) !== 0n) return undefined;
      if (lower < sum >> 1n) lower = sum >> 1n;
      if (upper > sum >> 1n) upper = sum >> 1n;
    } else if ((decision === "Warmer") === (guess > previous)) {
      // Above the midpoint: from floor(sum / 2) + 1.
      if (lower < (sum >> 1n) + 1n) lower = (sum >> 1n) + 1n;
    } else if (upper > (sum - 1n) >> 1n) {
      // Below it: up to ceil(sum / 2) - 1, which is floor((sum - 1) / 2).
      upper = (sum - 1n) >> 1n;
    }
  }
  return lower <= upper ? { lower, upper } : undefined;
}
