/**
 * The seam between a server's game and how it picks guesses. A strategy is
 * pure: no I/O, no clock, randomness only through the function it is given.
 *
 * @module
 */

import type { Decision } from "../protocol.ts";

/**
 * Picks the guesses of one game. `Guess` is what its guesses are: `bigint`
 * (the default), or `bigint | number` for a strategy that gives plain
 * numbers where they are exact, which spares the game a `bigint` per guess.
 */
export interface Guesser<Guess extends bigint | number = bigint> {
  /**
   * The next guess, inside the game's range, or `undefined` when no number is
   * left to guess. Called once per `NUMBER` until a report says `Correct`.
   * A `number` only when every number of the range is a safe integer
   * (`Number.isSafeInteger`), so that it is exact.
   */
  next(): Guess | undefined;
  /**
   * What the client said of the last guess `next()` returned. Called at most
   * once per guess; never with `Correct` (the game keeps the secret itself).
   */
  report(decision: Decision): void;
}

/**
 * Starts a game over `lower..upper` (inclusive, `lower <= upper`).
 * `random` returns a number in [0, 1), as `Math.random` does.
 */
export type Strategy<Guess extends bigint | number = bigint> = (
  lower: bigint,
  upper: bigint,
  random: () => number,
) => Guesser<Guess>;

/**
 * A strategy's second way to start a game: over `lower..upper` given as safe
 * integers (`lower <= upper`), for a server that read them from a line as
 * numbers, so that starting a game makes no `bigint`. It plays the games
 * the strategy plays from the same range as `bigint`s.
 */
export type NumberStrategy = (
  lower: number,
  upper: number,
  random: () => number,
) => Guesser<bigint | number>;

/** Any strategy: what a game accepts. */
export type AnyStrategy = Strategy<bigint | number>;
