/**
 * How a strategy draws from the randomness it is given: one 32-bit word at
 * a time.
 *
 * @module
 */

/**
 * A 32-bit word from a source of numbers in [0, 1); 0 for a value outside
 * it, so that a broken source skews the guesses but never leaves the range.
 */
export function word(random: () => number): number {
  const r = random();
  return r >= 0 && r < 1 ? Math.floor(r * 2 ** 32) >>> 0 : 0;
}
