/**
 * The checks of numeric options, shared by the server, the client and the
 * programs, so that every limit is refused the same way.
 *
 * @module
 */

/**
 * The longest delay a timer can wait, in milliseconds: `setTimeout` fires at
 * once (and Node and Bun warn) past 2^31 - 1.
 */
export const MAX_DELAY = 2 ** 31 - 1;

/**
 * Returns `value` if it is an integer within `min..max`.
 *
 * @param what What is being done, to start the message: `Cannot serve`.
 * @param name The option's name.
 * @throws {RangeError} naming the option and its bounds.
 */
export function checkInteger(
  what: string,
  name: string,
  value: number,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const bounds = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new RangeError(`${what}: ${name} must be an integer ${bounds}, got ${value}`);
  }
  return value;
}
