/**
 * The server's hot path: lines read straight from their bytes, before any
 * decoding, the commands of a game's loop and short ASCII lines. Pure, like
 * the protocol it reads: no sockets.
 *
 * @module
 */

import {
  type Command,
  DECISION_WORDS,
  DECISIONS,
  parseCommand,
  SPACED_KOREAN_WORDS,
} from "../protocol.ts";

const encoder = new TextEncoder();
const NUMBER_LINE = encoder.encode("NUMBER");
// Every spelling of every report: the English ones as before, and the Korean
// ones (which alone have non-ASCII bytes) in a table of their own, so that an
// English line is checked against no more spellings than it was before them.
const reportLine = (word: string) => ({
  bytes: encoder.encode(`REPORT ${word}`),
  command: parseCommand(`REPORT ${word}`),
});
const ENGLISH_LINES = DECISIONS.map((decision) => reportLine(DECISION_WORDS.en[decision]));
const KOREAN_LINES = [
  ...new Set([...Object.values(DECISION_WORDS.ko), ...Object.values(SPACED_KOREAN_WORDS)]),
].map(reportLine);
const WORD_START = "REPORT ".length;

function equals(bytes: Uint8Array, start: number, end: number, expected: Uint8Array): boolean {
  if (end - start !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (bytes[start + i] !== expected[i]) return false;
  return true;
}

/**
 * The commands of a game's hot loop, `NUMBER` and `REPORT decision` in every
 * spelling of the decision, read straight from their bytes: no decoding, no
 * splitting. Any other line is `undefined`, for the general parser; a line
 * read here parses the same there (the fuzz tests hold both to one model, and
 * tests/korean_test.ts checks the Korean spellings).
 */
export function hotCommand(bytes: Uint8Array, start: number, end: number): Command | undefined {
  if (equals(bytes, start, end, NUMBER_LINE)) return parseCommand("NUMBER");
  if (bytes[start] !== 0x52) return undefined; // "R"
  const korean = end - start > WORD_START && bytes[start + WORD_START] > 0x7f;
  for (const report of korean ? KOREAN_LINES : ENGLISH_LINES) {
    if (equals(bytes, start, end, report.bytes)) return report.command;
  }
  return undefined;
}

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
