/**
 * A person at the keyboard: they hold the secret, the server guesses, and
 * they answer each guess. What their answers leave possible is tracked, so
 * an answer that contradicts the earlier ones is refused.
 *
 * @module
 */

import type { GameSession } from "../_client/client.ts";
import {
  type Decision,
  DECISION_WORDS,
  DECISIONS,
  DIALECTS,
  SPACED_KOREAN_WORDS,
} from "../protocol.ts";
import { narrow } from "../_strategy/interval.ts";
import { decisionWord, type Messages } from "./messages.ts";

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
const SHORT_ANSWERS: Readonly<Record<Decision, readonly string[]>> = {
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

/** Where the game talks to the person. */
export interface Console {
  /** Shows text, as it is (prompts end with no newline). */
  write(text: string): void;
  /** The person's next line, or `undefined` once input has ended. */
  read(): Promise<string | undefined>;
}

/**
 * Plays one game with a person holding the secret.
 *
 * @returns How many guesses it took, or `undefined` if not found within `count`.
 */
export async function play(
  game: GameSession,
  count: number,
  io: Console,
  messages: Messages,
  colour: boolean,
): Promise<number | undefined> {
  io.write(messages.playBanner(game.lower, game.upper) + "\n");
  let candidates = new Candidates(game.lower, game.upper);
  let guesses = 0;
  for await (const n of game.requestNumbers(count)) {
    guesses++;
    while (true) {
      io.write(messages.prompt(guesses, n, candidates.lower, candidates.upper));
      const line = await io.read();
      if (line === undefined) throw new Error(messages.inputEnded);
      const decision = parseAnswer(line);
      if (decision === undefined) {
        io.write(messages.unknownAnswer(line.trim()) + "\n");
        continue;
      }
      const next = candidates.after(n, decision);
      if (next === undefined) {
        io.write(messages.contradiction(decisionWord(messages, decision, colour), n) + "\n");
        continue;
      }
      candidates = next;
      io.write(messages.client(n, decisionWord(messages, decision, colour)) + "\n");
      await game.report(n, decision);
      if (decision === "Correct") {
        io.write(messages.won(n, guesses) + "\n");
        return guesses;
      }
      break;
    }
  }
  io.write(messages.gaveUp(guesses) + "\n");
  return undefined;
}
