/**
 * Short lines read straight from their bytes: the few bytes of a line as a
 * string without a decoder, and an integer without a string. Both sides'
 * hot paths use them: the server for its commands, the client for its
 * replies.
 *
 * @module
 */

/**
 * A short ASCII line as a string, in JavaScript: on Deno, TextDecoder is a
 * call into Rust, dearer than this loop for the few bytes of a PARAMS line.
 * `undefined` for anything else, which goes to the (fatal) decoder.
 */
export function ascii(bytes: Uint8Array, start: number, end: number): string | undefined {
  if (end - start > 64) return undefined;
  let text = "";
  for (let i = start; i < end; i++) {
    const byte = bytes[i];
    if (byte > 0x7f) return undefined;
    text += String.fromCharCode(byte);
  }
  return text;
}

/**
 * `bytes[start..end)` as parseInteger reads it (an optional sign, then ASCII
 * digits, leading zeros allowed) when it has at most 15 digits, so that a
 * number holds it exactly (below 2^53); else `NaN`.
 */
export function shortInteger(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  const sign = i < end ? bytes[i] : 0;
  if (sign === 0x2b || sign === 0x2d) i++; // "+", "-"
  if (i >= end || end - i > 15) return NaN;
  let value = 0;
  for (; i < end; i++) {
    const digit = bytes[i] - 0x30;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  // `0 - 0` is 0, where `-0` would be -0: "-0" is the integer 0.
  return sign === 0x2d ? 0 - value : value;
}
