/**
 * The server's hot path: the commands of a game's loop read straight from
 * their bytes, before any decoding (short lines and integers are
 * _protocol/bytes.ts'). Pure, like the protocol it reads: no sockets.
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
// Every spelling of every report: the English ones by their first letter,
// and the Korean ones (which alone have non-ASCII bytes) in a table of their
// own, so that an English line is checked against one or two spellings.
const reportLine = (word: string) => ({
  bytes: encoder.encode(`REPORT ${word}`),
  command: parseCommand(`REPORT ${word}`),
});
type ReportLine = ReturnType<typeof reportLine>;
const KOREAN_LINES = [
  ...new Set([...Object.values(DECISION_WORDS.ko), ...Object.values(SPACED_KOREAN_WORDS)]),
].map(reportLine);
const WORD_START = "REPORT ".length;
const NUMBER_COMMAND = parseCommand("NUMBER");
// The English reports by their word's first letter (C: Colder and Correct),
// so that a line is compared with one or two spellings, not four.
const ENGLISH_BY_LETTER: ReportLine[][] = Array.from({ length: 0x80 }, () => []);
for (const decision of DECISIONS) {
  const line = reportLine(DECISION_WORDS.en[decision]);
  ENGLISH_BY_LETTER[line.bytes[WORD_START]].push(line);
}

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
  const first = bytes[start];
  if (first === 0x4e) return equals(bytes, start, end, NUMBER_LINE) ? NUMBER_COMMAND : undefined; // "N"
  if (first !== 0x52 || end - start <= WORD_START) return undefined; // "R"
  const letter = bytes[start + WORD_START];
  for (const report of letter > 0x7f ? KOREAN_LINES : ENGLISH_BY_LETTER[letter]) {
    if (equals(bytes, start, end, report.bytes)) return report.command;
  }
  return undefined;
}

const PARAMS_WORD = encoder.encode("PARAMS ");

/**
 * Where the space between a `PARAMS` line's two fields is, for a line that
 * starts `PARAMS ` and has one more space; -1 for any other line.
 */
export function paramsSpace(bytes: Uint8Array, start: number, end: number): number {
  if (end - start < 10) return -1; // "PARAMS 0 0"
  for (let i = 0; i < 7; i++) if (bytes[start + i] !== PARAMS_WORD[i]) return -1;
  let space = start + 7;
  while (space < end && bytes[space] !== 0x20) space++;
  return space === end ? -1 : space;
}
