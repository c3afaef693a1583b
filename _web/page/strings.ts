/**
 * The page's text, in English and Korean. The Korean decision words are the
 * Korean notes' (`DECISION_WORDS.ko`), and the Korean lines follow the
 * notes' wording as the terminal's Korean messages write them (`N는 맞음`,
 * `N번째 추측`, `찾았습니다`). The keys are those of the terminal's `--play`.
 *
 * @module
 */

import { type Decision, DECISION_WORDS, DECISIONS } from "../../protocol.ts";
import { SHORT_ANSWERS } from "../../_play/answers.ts";
import { MAX_LINE_BYTES } from "./range.ts";

/** The page's languages; each is also the dialect the page sends in it. */
export type Language = "en" | "ko";

/** The key that answers each decision: the first of its `SHORT_ANSWERS` (w, c, u, y). */
export const ANSWER_KEYS: Readonly<Record<Decision, string>> = Object.fromEntries(
  DECISIONS.map((decision) => [decision, SHORT_ANSWERS[decision][0]]),
) as Record<Decision, string>;

/** The page's text in one language. */
export interface Strings {
  /** The heading, and the document's title. */
  readonly title: string;
  /** The line under the heading: what to do. */
  readonly intro: string;
  /** The label of the range's least number. */
  readonly lower: string;
  /** The label of the range's greatest number. */
  readonly upper: string;
  /** The button that starts a game. */
  readonly start: string;
  /** The language switch's text: the other language's name, in that language. */
  readonly otherLanguage: string;
  /** Above the guess: whose guess it is, or which one. */
  guessLabel(count: number): string;
  /** The answer buttons' group. */
  readonly answers: string;
  /** The decisions' words, on the buttons and in the history. */
  readonly decision: Readonly<Record<Decision, string>>;
  /** Under the buttons, before each key and its decision's word: the keys that answer. */
  readonly keys: string;
  /** Under the bar: what the answers still allow. */
  left(lower: bigint, upper: bigint, size: bigint): string;
  /** The history's heading. */
  readonly history: string;
  /** One guess of the history, and its answer's word. */
  historyItem(n: bigint, word: string): string;
  /** An answer refused: it contradicts the earlier ones. */
  contradiction(word: string, n: bigint): string;
  /** The win line. */
  won(n: bigint, count: number): string;
  /** The game ended without a `Correct`. */
  gaveUp(count: number): string;
  /** The button that offers another game. */
  readonly newGame: string;
  /** The button that opens a new connection. */
  readonly reconnect: string;
  /** An input that is not an integer; `field` is its label. */
  notInteger(field: string): string;
  /** Lower above Upper. */
  reversed(lower: bigint, upper: bigint): string;
  /** Numbers too long for the server's line limit. */
  readonly tooLong: string;
  /** The connection was lost; `code` is the server's `ERROR` code, if it sent one. */
  lost(code: string | undefined): string;
  /** The connection never opened. */
  readonly unreachable: string;
}

const EN_WORDS = DECISION_WORDS.en;
const KO_WORDS = DECISION_WORDS.ko;

const en: Strings = {
  title: "Warmer, colder",
  intro: "Think of a number in the range and keep it to yourself: the server will guess it. " +
    "Answer each guess: warmer or colder than the guess before, unsure, or correct.",
  lower: "Lower",
  upper: "Upper",
  start: "Start",
  otherLanguage: "한국어",
  guessLabel: (count) => count === 0 ? "The server's guess" : `Guess ${count}`,
  answers: "Your answer",
  decision: EN_WORDS,
  keys: "Keys:",
  left: (lower, upper, size) =>
    `Still possible: ${lower}..${upper} (${size} number${size === 1n ? "" : "s"})`,
  history: "Guesses",
  historyItem: (n, word) => `${n} is ${word}`,
  contradiction: (word, n) =>
    `${word} for ${n} contradicts your earlier answers: no number fits them all. Answer again.`,
  won: (n, count) => `Found it: ${n}, in ${count} guess${count === 1 ? "" : "es"}.`,
  gaveUp: (count) => `Not found in ${count} guess${count === 1 ? "" : "es"}.`,
  newGame: "New game",
  reconnect: "Reconnect",
  notInteger: (field) => `${field} must be a whole number, such as 1 or -20.`,
  reversed: (lower, upper) => `Lower (${lower}) is above Upper (${upper}).`,
  tooLong: `These numbers are too long: the server reads lines of at most ${MAX_LINE_BYTES} bytes.`,
  lost: (code) => {
    switch (code) {
      case "shutting-down":
        return "The server is stopping: the connection was lost.";
      case "idle":
        return "The server closed the connection after a long silence.";
      case "busy":
        return "The server is busy (too many connections): the connection was lost.";
      default:
        return "The connection to the server was lost.";
    }
  },
  unreachable: "Cannot reach the server.",
};

const ko: Strings = {
  title: `${KO_WORDS.Warmer}, ${KO_WORDS.Colder}`,
  intro: "범위 안에서 숫자 하나를 생각하세요. 서버가 맞혀 봅니다. 추측마다 답하세요: " +
    `${KO_WORDS.Warmer}, ${KO_WORDS.Colder}, ${KO_WORDS.Unsure}, ${KO_WORDS.Correct}.`,
  lower: "최솟값",
  upper: "최댓값",
  start: "시작",
  otherLanguage: "English",
  guessLabel: (count) => count === 0 ? "서버의 추측" : `${count}번째 추측`,
  answers: "답",
  decision: KO_WORDS,
  keys: "키:",
  left: (lower, upper, size) => `남은 범위 ${lower}..${upper} (${size}개)`,
  history: "추측 기록",
  historyItem: (n, word) => `${n}는 ${word}`,
  contradiction: (word, n) =>
    `${n}에 대한 "${word}"은(는) 앞의 답들과 맞지 않습니다. 모두 맞는 숫자가 없어요. 다시 답하세요.`,
  won: (n, count) => `찾았습니다: ${n}, 추측 ${count}번.`,
  gaveUp: (count) => `추측 ${count}번 안에 찾지 못했습니다.`,
  newGame: "새 게임",
  reconnect: "다시 연결",
  notInteger: (field) => `${field}에는 정수를 입력하세요(예: 1, -20).`,
  reversed: (lower, upper) => `최솟값 ${lower}이(가) 최댓값 ${upper}보다 큽니다.`,
  tooLong: `숫자가 너무 깁니다. 서버는 ${MAX_LINE_BYTES}바이트까지의 줄만 읽습니다.`,
  lost: (code) => {
    switch (code) {
      case "shutting-down":
        return "서버가 멈추는 중이라 연결이 끊어졌습니다.";
      case "idle":
        return "오랫동안 입력이 없어 서버가 연결을 닫았습니다.";
      case "busy":
        return "서버에 연결이 너무 많아 연결이 끊어졌습니다.";
      default:
        return "서버와의 연결이 끊어졌습니다.";
    }
  },
  unreachable: "서버에 연결할 수 없습니다.",
};

/** The page's text, by language. */
export const STRINGS: Readonly<Record<Language, Strings>> = { en, ko };

/**
 * The language to show: the one the person chose on the page, else Korean
 * where the browser's language is Korean (`ko`, `ko-KR`: not Konkani's
 * `kok`), else English.
 *
 * @param chosen What the switch remembered, if anything (any text).
 * @param browser The browser's language, as `navigator.language` gives it.
 */
export function pickLanguage(chosen: string | null | undefined, browser: string): Language {
  if (chosen === "en" || chosen === "ko") return chosen;
  return /^ko(?:-|$)/i.test(browser) ? "ko" : "en";
}
