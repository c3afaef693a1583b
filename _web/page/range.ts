/**
 * The page's range, without the page: reading the two inputs into a game's
 * `lower..upper` (or saying what is wrong with them), and where the bar's
 * filled part sits within its track. Pure, so the tests run it on any runtime.
 *
 * @module
 */

import { parseInteger } from "../../protocol.ts";

/** The most bytes of a line the server reads by default: `PARAMS lower upper` must fit. */
export const MAX_LINE_BYTES = 4096;

/** What is wrong with the range typed in. */
export type RangeProblem =
  | { readonly kind: "not-integer"; readonly field: "lower" | "upper" }
  | { readonly kind: "reversed"; readonly lower: bigint; readonly upper: bigint }
  | { readonly kind: "too-long" };

/** The range typed in: a game's ends, or what is wrong. */
export type RangeInput =
  | { readonly ok: true; readonly lower: bigint; readonly upper: bigint }
  | { readonly ok: false; readonly problem: RangeProblem };

/** An integer as the protocol writes one (any size, sign, leading zeros), or `undefined`. */
function integer(text: string): bigint | undefined {
  try {
    return parseInteger(text.trim());
  } catch {
    return undefined;
  }
}

/**
 * Reads the Lower and Upper inputs. Any integer goes, however large, as long
 * as the game's `PARAMS` line fits the server's line limit.
 *
 * @param lowerText The Lower input's text.
 * @param upperText The Upper input's text.
 * @returns The range, or the first thing wrong with it.
 */
export function parseRange(lowerText: string, upperText: string): RangeInput {
  const lower = integer(lowerText);
  if (lower === undefined) return { ok: false, problem: { kind: "not-integer", field: "lower" } };
  const upper = integer(upperText);
  if (upper === undefined) return { ok: false, problem: { kind: "not-integer", field: "upper" } };
  if (lower > upper) return { ok: false, problem: { kind: "reversed", lower, upper } };
  if (`PARAMS ${lower} ${upper}`.length > MAX_LINE_BYTES) {
    return { ok: false, problem: { kind: "too-long" } };
  }
  return { ok: true, lower, upper };
}

/** Where the bar's filled part sits: percentages of the track's width. */
export interface BarSpan {
  /** From the track's left end to the filled part's, 0 to 100. */
  readonly left: number;
  /** The filled part's width, 0 to 100. */
  readonly width: number;
}

/** Steps of the bar's percentages: exact enough for any screen, whatever the range's size. */
const SCALE = 1_000_000n;

/**
 * The filled part `from..to` of a track `lower..upper`, each number a slot
 * of equal width, in bigint arithmetic so that huge ranges place it right.
 *
 * @param lower The track's least number.
 * @param upper The track's greatest number, at least `lower`.
 * @param from The filled part's least number, within the track.
 * @param to The filled part's greatest number, from `from` to `upper`.
 */
export function barSpan(lower: bigint, upper: bigint, from: bigint, to: bigint): BarSpan {
  const size = upper - lower + 1n;
  const percent = (count: bigint) => Number((count * SCALE) / size) / Number(SCALE / 100n);
  return { left: percent(from - lower), width: percent(to - from + 1n) };
}

/**
 * How many guesses to ask for over `lower..upper`: one for each number, at
 * most 10,000 (past that, the person has surely given up).
 */
export function guessLimit(lower: bigint, upper: bigint): number {
  const size = upper - lower + 1n;
  return size < 10_000n ? Number(size) : 10_000;
}
