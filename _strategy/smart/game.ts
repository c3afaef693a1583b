/**
 * What the `smart` strategy's checks for repeated guesses read of the game
 * in play, and how far apart two of its numbers may be for the checks to
 * count with doubles.
 *
 * @module
 */

/** The game a check looks at. The guesser owns it and keeps it current. */
export interface Game {
  /** The least number of the game's range. */
  readonly lower: bigint;
  /** The greatest number of the game's range. */
  readonly upper: bigint;
  /** Every number guessed so far in this game. */
  readonly guessed: ReadonlySet<bigint>;
  /** How many guesses the bound allows, counted from the game's start. */
  readonly limit: number;
}

/** Offsets up to this size are exact in doubles, with room for sums. */
export const EXACT = 2n ** 50n;
