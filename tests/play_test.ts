import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { play } from "../_cli/play.ts";
import { Candidates, parseAnswer } from "../_play/answers.ts";
import { decisionWord, MESSAGES, type Messages, useColour } from "../_cli/messages.ts";
import { Client } from "../client.ts";
import {
  decide,
  type Decision,
  DECISION_WORDS,
  DECISIONS,
  DIALECTS,
  SPACED_KOREAN_WORDS,
} from "../protocol.ts";
import { serve, serveConnection } from "../server.ts";
import { RUNTIME, runtimeCommand } from "./_helpers.ts";

describe("Candidates", () => {
  test("honest answers are never refused and always keep the secret, over every game of 1..9", () => {
    // Every secret, against every order of the first four guesses of 1..9 taken three at a time.
    for (let secret = 1n; secret <= 9n; secret++) {
      for (let a = 1n; a <= 9n; a++) {
        for (let b = 1n; b <= 9n; b++) {
          for (let c = 1n; c <= 9n; c++) {
            let candidates: Candidates | undefined = new Candidates(1n, 9n);
            let previous: bigint | undefined;
            for (const guess of [a, b, c]) {
              const outcome = decide(secret, guess, previous);
              previous = outcome.distance;
              candidates = candidates!.after(guess, outcome.decision);
              assert.ok(
                candidates,
                `secret ${secret}, guesses ${a} ${b} ${c}: refused at ${guess}`,
              );
              assert.ok(candidates.lower <= secret && secret <= candidates.upper);
              if (outcome.decision === "Correct") break;
            }
          }
        }
      }
    }
  });

  test("refuses what no secret could give: Warmer first, Unsure between odd neighbours, Correct on a ruled-out number", () => {
    const start = new Candidates(1n, 10n);
    assert.equal(start.after(5n, "Warmer"), undefined);
    assert.equal(start.after(5n, "Colder"), undefined);
    const unsure = start.after(4n, "Unsure")!;
    assert.equal(unsure.after(5n, "Unsure"), undefined, "4 and 5 have no integer midpoint");
    assert.equal(unsure.after(4n, "Correct"), undefined, "4 was ruled out");
    const narrowed = unsure.after(8n, "Warmer")!;
    assert.deepEqual([narrowed.lower, narrowed.upper], [7n, 10n]);
    assert.equal(narrowed.after(1n, "Warmer"), undefined, "1 is farther than 8 from all of 7..10");
  });

  test("works with negative numbers and huge ones", () => {
    const c = new Candidates(-(10n ** 30n), 10n ** 30n).after(-1n, "Unsure")!.after(1n, "Colder")!;
    assert.deepEqual([c.lower, c.upper], [-(10n ** 30n), -1n - 1n]);
  });
});

test("parseAnswer() takes keys and words in any case", () => {
  const cases: [string, Decision | undefined][] = [
    ["w", "Warmer"],
    [" Colder ", "Colder"],
    ["U", "Unsure"],
    ["y", "Correct"],
    ["correct", "Correct"],
    ["hot", undefined],
    ["", undefined],
  ];
  for (const [text, expected] of cases) assert.equal(parseAnswer(text), expected, text);
});

test("parseAnswer() takes the Korean words, unspaced and spaced, and the keys typed in Hangul mode", () => {
  for (const decision of DECISIONS) {
    const unspaced = DECISION_WORDS.ko[decision];
    const spaced = SPACED_KOREAN_WORDS[decision];
    for (const text of [unspaced, spaced, ` ${spaced} `, spaced.replace(" ", "   ")]) {
      assert.equal(parseAnswer(text), decision, JSON.stringify(text));
    }
    // Typed decomposed (NFD), as some input methods send Hangul.
    assert.equal(parseAnswer(unspaced.normalize("NFD")), decision, `${unspaced} as NFD`);
  }
  // w, c, u, y pressed with a Korean keyboard left in Hangul mode; and yes.
  const keys: [string, Decision][] = [
    ["ㅈ", "Warmer"],
    ["ㅊ", "Colder"],
    ["ㅕ", "Unsure"],
    ["ㅛ", "Correct"],
    ["네", "Correct"],
    ["예", "Correct"],
  ];
  for (const [text, expected] of keys) assert.equal(parseAnswer(text), expected, text);
  for (const text of ["따뜻함", "더", "더따뜻", "맞", "잘모르겠음요", "더 따 뜻 함", "아니요"]) {
    assert.equal(parseAnswer(text), undefined, text);
  }
});

test("--play's banner names the Korean answers it takes: 네 and 예 in both languages, the Hangul keys in Korean", () => {
  for (const lang of ["en", "ko"] as const) {
    const banner = MESSAGES[lang].playBanner(1n, 20n);
    for (const word of ["네", "예", ...DECISIONS.map((decision) => DECISION_WORDS.ko[decision])]) {
      assert.equal(parseAnswer(word) !== undefined, true, word);
      assert.ok(banner.includes(word), `${lang} banner names ${word}: ${banner}`);
    }
  }
  for (const key of ["ㅈ", "ㅊ", "ㅕ", "ㅛ"]) {
    assert.ok(MESSAGES.ko.playBanner(1n, 20n).includes(key), key);
  }
});

/** The lines a stream's bytes carry, recorded as they pass. */
function recorder(lines: string[]): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  let pending = "";
  return new TransformStream({
    transform(chunk, controller) {
      pending += decoder.decode(chunk, { stream: true });
      const parts = pending.split("\n");
      pending = parts.pop()!;
      lines.push(...parts);
      controller.enqueue(chunk);
    },
  });
}

for (const dialect of DIALECTS) {
  for (const lang of ["en", "ko"] as const) {
    test(`play() with --lang ${lang} takes Korean answers and reports them in the client's dialect, ${dialect}`, async () => {
      const sent: string[] = [];
      const a = recorder(sent);
      const b = new TransformStream<Uint8Array, Uint8Array>();
      const served = serveConnection({ readable: a.readable, writable: b.writable }, {
        quiet: true,
      });
      const client = new Client({ readable: b.readable, writable: a.writable }, { dialect });
      const messages: Messages = MESSAGES[lang];
      const secret = 37n;
      const shown: string[] = [];
      const decisions: Decision[] = [];
      let previous: bigint | undefined;
      let last: bigint | undefined;
      const io = {
        write: (text: string) => {
          shown.push(text);
          const match = text.match(/^(?:Guess \d+: |\d+번째 추측: )(\d+) /);
          if (match) last = BigInt(match[1]);
        },
        read: () => {
          // A game of 1..50 takes far fewer answers: more means some were refused.
          if (decisions.length >= 60) {
            return Promise.reject(new Error(`answers refused: ${shown.slice(-2).join("")}`));
          }
          const outcome = decide(secret, last!, previous);
          previous = outcome.distance;
          decisions.push(outcome.decision);
          // Unspaced and spaced by turns.
          const words = decisions.length % 2 ? DECISION_WORDS.ko : SPACED_KOREAN_WORDS;
          return Promise.resolve(words[outcome.decision]);
        },
      };
      let result: number | undefined;
      {
        await using game = await client.session(1, 50);
        result = await play(game, 100, io, messages, false);
      }
      await client.close();
      await served;
      assert.equal(result, decisions.length);
      assert.equal(decisions.at(-1), "Correct");
      assert.equal(shown.at(-1), messages.won(secret, decisions.length) + "\n");
      const reports = sent.filter((line) => line.startsWith("REPORT "));
      const words: Readonly<Record<Decision, string>> = DECISION_WORDS[dialect];
      assert.deepEqual(reports, decisions.map((decision) => `REPORT ${words[decision]}`));
    });
  }
}

test("play() refuses a contradictory answer, takes the next, and counts the guesses", async () => {
  const a = new TransformStream<Uint8Array, Uint8Array>();
  const b = new TransformStream<Uint8Array, Uint8Array>();
  const served = serveConnection({ readable: a.readable, writable: b.writable }, { quiet: true });
  const client = new Client({ readable: b.readable, writable: a.writable });
  const secret = 37n;
  const shown: string[] = [];
  let previous: bigint | undefined;
  let last: bigint | undefined;
  let lied = false;
  let guesses = 0;
  const io = {
    write: (text: string) => {
      shown.push(text);
      const match = text.match(/^Guess (\d+): (\d+) /);
      if (match) last = BigInt(match[2]);
    },
    read: () => {
      // The first answer is a contradiction (Warmer, with nothing to compare
      // with); then honest.
      if (!lied) {
        lied = true;
        return Promise.resolve("w");
      }
      const outcome = decide(secret, last!, previous);
      previous = outcome.distance;
      guesses++;
      return Promise.resolve(outcome.decision.toLowerCase());
    },
  };
  let result: number | undefined;
  {
    await using game = await client.session(1, 50);
    result = await play(game, 100, io, MESSAGES.en, false);
  }
  await client.close();
  await served;
  assert.equal(result, guesses);
  assert.ok(shown.some((line) => /contradicts your earlier answers/.test(line)), shown.join(""));
  assert.equal(shown.at(-1), `Found it: 37, in ${guesses} guess${guesses === 1 ? "" : "es"}.\n`);
});

test(`client.ts --play on ${RUNTIME} is played through piped input, contradiction included`, async () => {
  await using server = await serve({ port: 0, quiet: true });
  const [command, args] = playCommand(server.addr.port, ["--lang", "en"]);
  const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
  const secret = 13n;
  let previous: bigint | undefined;
  let output = "";
  let lied = false;
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text: string) => stderr += text);
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    output += text;
    const prompts = [...output.matchAll(/Guess \d+: (\d+) [^\n]*w\/c\/u\/y\? $/g)];
    if (prompts.length === 0) return;
    const guess = BigInt(prompts[0][1]);
    output = "";
    if (!lied) {
      lied = true;
      child.stdin.write("warmer\n"); // contradicts: nothing to compare the first guess with
      return;
    }
    const outcome = decide(secret, guess, previous);
    previous = outcome.distance;
    const keys = { Warmer: "w", Colder: "c", Unsure: "u", Correct: "y" } as const;
    child.stdin.write(keys[outcome.decision] + "\n");
  });
  const all: string[] = [];
  child.stdout.on("data", (text: string) => all.push(text));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const text = all.join("");
  assert.equal(code, 0, stderr + text);
  assert.match(text, /contradicts your earlier answers/);
  assert.match(text, /Found it: 13, in \d+ guess/);
});

/** The command for `client.ts --play` over 1..20 against the server on `port`, with `flags`. */
function playCommand(port: number, flags: readonly string[]): [string, string[]] {
  return runtimeCommand("client.ts", [
    "--port",
    String(port),
    "--play",
    "--lower",
    "1",
    "--upper",
    "20",
    ...flags,
  ]);
}

/**
 * Plays client.ts --play on this runtime against our server (on port 0),
 * through piped input: `first`, if given, answers the first prompt; then
 * each prompt `prompt` matches (its first group the guess) is answered
 * honestly for `secret`, in the word `word` gives.
 */
async function playPiped(
  flags: string[],
  prompt: RegExp,
  secret: bigint,
  word: (decision: Decision, turn: number) => string,
  first?: string,
): Promise<{ code: number | null; text: string; stderr: string; reports: string[] }> {
  const reports: string[] = [];
  await using server = await serve({
    port: 0,
    onReport: (guess, decision) => void reports.push(`${guess} ${decision}`),
  });
  const [command, args] = playCommand(server.addr.port, flags);
  const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
  let previous: bigint | undefined;
  let output = "";
  let turn = 0;
  let stderr = "";
  const all: string[] = [];
  child.stderr.setEncoding("utf8").on("data", (text: string) => stderr += text);
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    all.push(text);
    output += text;
    const match = output.match(prompt);
    if (!match) return;
    output = "";
    // A game of 1..20 takes far fewer answers: more means some were refused.
    if (turn >= 40) {
      child.stdin.end();
      return;
    }
    if (first !== undefined && turn === 0) {
      turn++;
      child.stdin.write(first + "\n");
      return;
    }
    const outcome = decide(secret, BigInt(match[1]), previous);
    previous = outcome.distance;
    child.stdin.write(word(outcome.decision, turn++) + "\n");
  });
  const timer = setTimeout(() => child.kill(), 60_000);
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  clearTimeout(timer);
  return { code, text: all.join(""), stderr, reports };
}

test(`client.ts --play --lang en on ${RUNTIME} takes Korean answers; an unknown one gets the same help`, async () => {
  const { code, text, stderr, reports } = await playPiped(
    ["--lang", "en"],
    /Guess \d+: (\d+) [^\n]*w\/c\/u\/y\? $/,
    13n,
    (decision, turn) => (turn % 2 ? SPACED_KOREAN_WORDS : DECISION_WORDS.ko)[decision],
    "hot",
  );
  assert.equal(code, 0, stderr + text);
  assert.match(text, /^"hot" is not an answer: type w, c, u or y\.$/m);
  assert.match(text, /^Client: 13 is Correct$/m);
  assert.match(text, /Found it: 13, in \d+ guess/);
  assert.equal(reports.at(-1), "13 Correct");
});

test(`client.ts --play --lang ko --dialect ko on ${RUNTIME}: Korean lines, and Korean answers to 맞음`, async () => {
  const { code, text, stderr, reports } = await playPiped(
    ["--lang", "ko", "--dialect", "ko"],
    /\d+번째 추측: (\d+) \s+\(범위 -?\d+\.\.-?\d+\) {2}w\/c\/u\/y\? $/,
    13n,
    (decision, turn) => (turn % 2 ? DECISION_WORDS.ko : SPACED_KOREAN_WORDS)[decision],
    "따뜻함",
  );
  assert.equal(code, 0, stderr + text);
  assert.match(text, /^1부터 20까지 숫자 하나를 생각하세요\. 서버가 맞혀 봅니다\.$/m);
  // The banner's help says the words may be typed, spaced or not.
  assert.match(text, /단어로 답해도 됩니다/);
  assert.match(text, /^"따뜻함"은\(는\) 답이 아닙니다\. w, c, u, y 중 하나를 입력하세요\.$/m);
  assert.match(text, /^클라이언트: 13는 맞음$/m);
  assert.match(text, /^찾았습니다: 13, 추측 \d+번\.$/m);
  assert.doesNotMatch(text, /Guess|Found|not an answer/);
  assert.equal(reports.at(-1), "13 Correct");
});

test("decisions are coloured only on a terminal, and never with NO_COLOR", () => {
  const saved = process.env.NO_COLOR;
  try {
    delete process.env.NO_COLOR;
    assert.equal(useColour({ isTTY: true }), true);
    assert.equal(useColour({ isTTY: false }), false);
    assert.equal(useColour({}), false);
    process.env.NO_COLOR = "1";
    assert.equal(useColour({ isTTY: true }), false);
  } finally {
    if (saved === undefined) delete process.env.NO_COLOR;
    else process.env.NO_COLOR = saved;
  }
  assert.equal(decisionWord(MESSAGES.en, "Warmer", false), "Warmer");
  const warm = decisionWord(MESSAGES.en, "Warmer", true);
  const cold = decisionWord(MESSAGES.en, "Colder", true);
  const escape = String.fromCharCode(27);
  assert.ok(warm.startsWith(`${escape}[`) && warm.endsWith(`mWarmer${escape}[0m`), warm);
  assert.notEqual(warm.slice(0, 5), cold.slice(0, 5), "warm and cold differ in colour");
});
