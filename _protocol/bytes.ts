/**
 * Lines read straight from their bytes, before any decoding: the commands of
 * a game's hot loop, and short ASCII lines. Pure, like the rest of the
 * protocol: no sockets.
 *
 * @module
 */

import { type Command, DECISIONS, parseCommand } from "../protocol.ts";

const encoder = new TextEncoder();
const NUMBER_LINE = encoder.encode("NUMBER");
const REPORT_LINES = DECISIONS.map((decision) => ({
  bytes: encoder.encode(`REPORT ${decision}`),
  command: parseCommand(`REPORT ${decision}`),
}));

function equals(bytes: Uint8Array, start: number, end: number, expected: Uint8Array): boolean {
  if (end - start !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (bytes[start + i] !== expected[i]) return false;
  return true;
}

/**
 * The commands of a game's hot loop, `NUMBER` and `REPORT decision`, read
 * straight from their bytes: no decoding, no splitting. Any other line is
 * `undefined`, for the general parser; a line read here parses the same
 * there (the fuzz tests hold both to one model).
 */
export function hotCommand(bytes: Uint8Array, start: number, end: number): Command | undefined {
  if (equals(bytes, start, end, NUMBER_LINE)) return parseCommand("NUMBER");
  if (bytes[start] !== 0x52) return undefined; // "R"
  for (const report of REPORT_LINES) {
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
