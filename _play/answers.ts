/**
 * A person's answers, wherever they play (the terminal's `--play`, the
 * browser page): what the answers so far leave possible, so that one that
 * contradicts them is refused, and the keys and words a person may answer
 * with. Pure: it loads in a browser.
 *
 * @module
 */

import {
  type Decision,
  DECISION_WORDS,
  DECISIONS,
  DIALECTS,
  SPACED_KOREAN_WORDS,
} from "../protocol.ts";
import { narrow } from "../_strategy/interval.ts";

/** The numbers a person's answers still allow: a range less the guesses ruled out. */
export class Candidates {
  /** The least number still possible. */
  readonly lower: bigint;
  /** The greatest number still possible. */
  readonly upper: bigint;
  readonly #ruledOut: ReadonlySet<bigint>;
  readonly #previous: bigint | undefined;

  /** All of `lower..upper`, before any guess. */
  constructor(
    lower: bigint,
    upper: bigint,
    ruledOut: ReadonlySet<bigint> = new Set(),
    previous?: bigint,
  ) {
    this.lower = lower;
    this.upper = upper;
    this.#ruledOut = ruledOut;
    this.#previous = previous;
  }

  /** How many numbers are still possible. */
  get size(): bigint {
    if (this.lower > this.upper) return 0n;
    let out = 0n;
    for (const n of this.#ruledOut) if (n >= this.lower && n <= this.upper) out++;
    return this.upper - this.lower + 1n - out;
  }

  /**
   * What is still possible after answering `decision` for `guess`, by the
   * decision rule against the previous guess; `undefined` when nothing would be.
   */
  after(guess: bigint, decision: Decision): Candidates | undefined {
    const left = narrow(this.lower, this.upper, this.#previous, guess, decision);
    if (left === undefined) return undefined;
    let { lower, upper } = left;
    const ruledOut = decision === "Correct" ? this.#ruledOut : new Set(this.#ruledOut).add(guess);
    // Shown as the range left: the ends step past the guesses ruled out.
    while (lower <= upper && ruledOut.has(lower)) lower++;
    while (lower <= upper && ruledOut.has(upper)) upper--;
    const next = new Candidates(lower, upper, ruledOut, guess);
    return next.size > 0n ? next : undefined;
  }
}

/**
 * The short answers: a key for each decision and "yes" for `Correct`, and
 * their Korean mirror, the same keys pressed on a Korean (2-beolsik) keyboard
 * left in Hangul mode (w c u y give ㅈ ㅊ ㅕ ㅛ), and 네 and 예.
 */
export const SHORT_ANSWERS: Readonly<Record<Decision, readonly string[]>> = {
  Warmer: ["w", "ㅈ"],
  Colder: ["c", "ㅊ"],
  Unsure: ["u", "ㅕ"],
  Correct: ["y", "yes", "ㅛ", "네", "예"],
};

/**
 * Every answer, in lower case: the short ones, and the words of every
 * dialect and the spaced Korean ones, as the server reads them.
 */
const ANSWERS: ReadonlyMap<string, Decision> = new Map(
  [...DIALECTS.map((dialect) => DECISION_WORDS[dialect]), SPACED_KOREAN_WORDS].flatMap((words) =>
    DECISIONS.map((decision) => [words[decision].toLowerCase(), decision] as const)
  ).concat(
    DECISIONS.flatMap((decision) => SHORT_ANSWERS[decision].map((key) => [key, decision] as const)),
  ),
);

/**
 * Reads a person's answer, whatever the language of the lines: a key or a
 * decision word, English (any case) or Korean (spaced or not, its spaces
 * any run of them).
 */
export function parseAnswer(text: string): Decision | undefined {
  const key = text.normalize("NFC").trim().replace(/\s+/g, " ").toLowerCase();
  return ANSWERS.get(key);
}
