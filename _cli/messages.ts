/**
 * The lines the programs print for people, in English or Korean, coloured on
 * a terminal. The Korean lines are the Korean notes' own, as
 * reference_game_ko.py prints them, with the notes' unspaced words for the
 * decisions. The language is not the wire's: the client's `--dialect` picks
 * the words it sends, and the server reads every dialect.
 *
 * @module
 */

import process from "node:process";
import { type Decision, DECISION_WORDS } from "../protocol.ts";
import type { ExitStatus } from "./child.ts";

/** The languages of the messages. */
export type Language = "en" | "ko";

/** The languages, for the `--lang` flag. */
export const LANGUAGES: readonly Language[] = ["en", "ko"];

/** A worker of `server.ts --workers` that ended while the server ran. */
export interface WorkerEnd {
  /** Its number: 1 to N - 1 (the first process is the Nth). */
  worker: number;
  /** Its process id. */
  pid: number;
  /** How it ended. */
  status: ExitStatus;
}

/** The messages of one language. */
export interface Messages {
  /** A game's banner; the Korean one starts with a blank line, as the notes' does. */
  banner(lower: bigint, upper: bigint, secret: bigint): string;
  client(n: bigint, decision: string): string;
  server(n: bigint, decision: string): string;
  decision: Readonly<Record<Decision, string>>;
  playBanner(lower: bigint, upper: bigint): string;
  prompt(count: number, n: bigint, lower: bigint, upper: bigint): string;
  unknownAnswer(answer: string): string;
  contradiction(answer: string, n: bigint): string;
  won(n: bigint, count: number): string;
  gaveUp(count: number): string;
  inputEnded: string;
  /** A worker ended and is started again: restart `restart` of at most `limit` in `seconds`. */
  workerRestarting(end: WorkerEnd, restart: number, limit: number, seconds: number): string;
  /** A worker ended after `limit` restarts in `seconds`: the server stops. */
  workerGivenUp(end: WorkerEnd, limit: number, seconds: number): string;
  /** A worker that ended could not be started again: the server stops. */
  workerNotRestarted(worker: number, reason: string): string;
  /** The server's standard output cannot be written (`reason`: EPIPE): it plays on. */
  stdoutClosed(reason: string): string;
}

// The Korean words, as --play's help lines show them whatever the language.
const KO = DECISION_WORDS.ko;

const en: Messages = {
  banner: (lower, upper, secret) =>
    `Guess a number between ${lower} and ${upper}! Shhhhh, it's ${secret}.`,
  client: (n, decision) => `Client: ${n} is ${decision}`,
  server: (n, decision) => `Server: ${n} is ${decision}`,
  decision: { Warmer: "Warmer", Colder: "Colder", Unsure: "Unsure", Correct: "Correct" },
  playBanner: (lower, upper) =>
    `Think of a number between ${lower} and ${upper}; the server will guess it.\n` +
    "Answer each guess: w = warmer, c = colder, u = unsure, y = correct.\n" +
    `The Korean words work too, spaced or not: ${KO.Warmer}, ${KO.Colder}, ${KO.Unsure}, ${KO.Correct}` +
    " (or 네, 예).",
  prompt: (count, n, lower, upper) =>
    `Guess ${count}: ${n}   (it is in ${lower}..${upper})  w/c/u/y? `,
  unknownAnswer: (answer) => `"${answer}" is not an answer: type w, c, u or y.`,
  contradiction: (answer, n) =>
    `${answer} for ${n} contradicts your earlier answers: no number fits them all. Answer again.`,
  won: (n, count) => `Found it: ${n}, in ${count} guess${count === 1 ? "" : "es"}.`,
  gaveUp: (count) => `Not found in ${count} guesses.`,
  inputEnded: "Input ended before the game did.",
  workerRestarting: (end, restart, limit, seconds) =>
    `${
      enWorkerEnded(end)
    }; starting it again (restart ${restart} of at most ${limit} within ${seconds} s)`,
  workerGivenUp: (end, limit, seconds) =>
    `${enWorkerEnded(end)}, after ${limit} restarts within ${seconds} s: stopping the server`,
  workerNotRestarted: (worker, reason) =>
    `worker ${worker} did not start again (${reason}): stopping the server`,
  stdoutClosed: (reason) =>
    `standard output is closed (${reason}): no more report lines; the games go on`,
};

/** `worker N (pid P) exited with code C`, or `... was killed by SIGNAL`. */
function enWorkerEnded({ worker, pid, status }: WorkerEnd): string {
  const how = status.signal === null
    ? `exited with code ${status.code}`
    : `was killed by ${status.signal}`;
  return `worker ${worker} (pid ${pid}) ${how}`;
}

// The banner, report lines and words are the Korean notes' (their "1와 5"
// included); the lines of --play are this program's own.
const ko: Messages = {
  banner: (lower, upper, secret) =>
    `\n${lower}와 ${upper} 사이의 숫자를 맞춰보세요! 쉿! 그 숫자는 ${secret} 입니다.`,
  client: (n, decision) => `클라이언트: ${n}는 ${decision}`,
  server: (n, decision) => `서버: ${n}는 ${decision}`,
  decision: DECISION_WORDS.ko,
  playBanner: (lower, upper) =>
    `${lower}부터 ${upper}까지 숫자 하나를 생각하세요. 서버가 맞혀 봅니다.\n` +
    `추측마다 답하세요: w = ${KO.Warmer}, c = ${KO.Colder}, u = ${KO.Unsure}, y = ${KO.Correct}.\n` +
    "단어로 답해도 됩니다(띄어 써도 됩니다). 한글 자판 그대로 누른 ㅈ, ㅊ, ㅕ, ㅛ도 되고, " +
    "맞았으면 네나 예도 됩니다.",
  prompt: (count, n, lower, upper) =>
    `${count}번째 추측: ${n}   (범위 ${lower}..${upper})  w/c/u/y? `,
  unknownAnswer: (answer) => `"${answer}"은(는) 답이 아닙니다. w, c, u, y 중 하나를 입력하세요.`,
  contradiction: (answer, n) =>
    `${n}에 대한 "${answer}"은(는) 앞의 답들과 맞지 않습니다. 모두 맞는 숫자가 없어요. 다시 답하세요.`,
  won: (n, count) => `찾았습니다: ${n}, 추측 ${count}번.`,
  gaveUp: (count) => `추측 ${count}번 안에 찾지 못했습니다.`,
  inputEnded: "게임이 끝나기 전에 입력이 끝났습니다.",
  workerRestarting: (end, restart, limit, seconds) =>
    `${koWorkerEnded(end)}. 다시 시작합니다(${seconds}초 안에 최대 ${limit}번 중 ${restart}번째).`,
  workerGivenUp: (end, limit, seconds) =>
    `${koWorkerEnded(end)}. ${seconds}초 안에 이미 ${limit}번 다시 시작했으므로 서버를 멈춥니다.`,
  workerNotRestarted: (worker, reason) =>
    `워커 ${worker}을(를) 다시 시작하지 못했습니다(${reason}). 서버를 멈춥니다.`,
  stdoutClosed: (reason) =>
    `표준 출력이 닫혔습니다(${reason}). 보고 줄은 더 쓰지 않고, 게임은 계속됩니다.`,
};

/** `워커 N(pid P)이(가) 끝났습니다(종료 코드 C)`, or `... SIGNAL 신호로 끝났습니다`. */
function koWorkerEnded({ worker, pid, status }: WorkerEnd): string {
  const how = status.signal === null
    ? `끝났습니다(종료 코드 ${status.code})`
    : `${status.signal} 신호로 끝났습니다`;
  return `워커 ${worker}(pid ${pid})이(가) ${how}`;
}

/** The messages of each language. */
export const MESSAGES: Readonly<Record<Language, Messages>> = { en, ko };

/**
 * An environment variable, or `undefined` where it is unset or cannot be read
 * (Deno without `--allow-env`: the programs need no more than `--allow-net`).
 */
function env(name: string): string | undefined {
  try {
    return process.env[name];
  } catch {
    return undefined;
  }
}

/** The language `--lang` chose, else the one `LANG` names, else English. */
export function language(
  chosen: Language | undefined,
  lang: string | undefined = env("LANG"),
): Language {
  return chosen ?? (lang?.toLowerCase().startsWith("ko") ? "ko" : "en");
}

const COLOURS: Readonly<Record<Decision, string>> = {
  Warmer: "\x1b[31m",
  Colder: "\x1b[36m",
  Unsure: "\x1b[2m",
  Correct: "\x1b[32;1m",
};

/** Whether to colour: only on a terminal, and never with `NO_COLOR` set. */
export function useColour(stream: { isTTY?: boolean } = process.stdout): boolean {
  const noColour = env("NO_COLOR");
  return stream.isTTY === true && (noColour === undefined || noColour === "");
}

/** A decision's word in a language, coloured warm or cold when asked. */
export function decisionWord(messages: Messages, decision: Decision, colour: boolean): string {
  const word = messages.decision[decision];
  return colour ? `${COLOURS[decision]}${word}\x1b[0m` : word;
}
