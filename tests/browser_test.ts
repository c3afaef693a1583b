/**
 * The browser page in a real browser: Debian's Chromium, headless, driven by
 * playwright-core, against a server started in this process, so that the
 * file run on Deno, Bun and Node covers each runtime's web port. A person's
 * whole game by clicks (the smart strategy within its bound), by the keyboard
 * alone, and by taps at a phone's width; a contradicting answer refused; the
 * Korean page, and its dialect on the wire; the language switch; a second
 * game on the same page and connection; the server stopped mid-game, then a
 * reconnect to its successor; a page of another origin refused before the
 * upgrade; and the README's screenshot, `docs/page.png`, written only with
 * `WRITE_SCREENSHOT=1`. Every test also fails on a console error, an uncaught
 * error in the page, a failed request or an HTTP error status, unless it
 * names the one it expects.
 *
 * Chromium is `$CHROMIUM`, else /usr/bin/chromium, else `chromium` on PATH
 * (`apt-get install chromium`); without it, or without playwright-core,
 * every test is skipped and says why.
 *
 * @module
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import process from "node:process";
import type {
  Browser,
  BrowserContextOptions,
  BrowserType,
  Page,
  WebSocket as PageSocket,
} from "playwright-core";
import { serve, type ServeOptions, type Server } from "../server.ts";
import { decide, type Decision, DECISION_WORDS, DECISIONS, formatCommand } from "../protocol.ts";
import { Candidates } from "../_play/answers.ts";
import { ANSWER_KEYS, type Language, STRINGS } from "../_web/page/strings.ts";
import { ROOT, RUNTIME, titled } from "./_helpers.ts";

const LIMIT = { timeout: 60_000 };
/** Each wait's limit: far above what a step takes here, well below a test's. */
const WAIT = 10_000;
const HOST = "127.0.0.1";

/** Chromium's executable, or why there is none. */
function chromiumPath(): { path: string; skip: false } | { path: undefined; skip: string } {
  const named = process.env.CHROMIUM;
  if (named !== undefined && named !== "") {
    return existsSync(named)
      ? { path: named, skip: false }
      : { path: undefined, skip: `CHROMIUM is ${named}, which does not exist` };
  }
  const dirs = (process.env.PATH ?? "").split(delimiter).filter((dir) => dir !== "");
  for (const path of ["/usr/bin/chromium", ...dirs.map((dir) => join(dir, "chromium"))]) {
    if (existsSync(path)) return { path, skip: false };
  }
  return {
    path: undefined,
    skip: "Chromium is absent (apt-get install chromium, or set CHROMIUM)",
  };
}

/** playwright-core's Chromium and the executable it drives, or why the tests cannot run. */
async function setUp(): Promise<
  { chromium: BrowserType; executablePath: string; skip: false } | { skip: string }
> {
  const executable = chromiumPath();
  if (executable.path === undefined) return { skip: executable.skip };
  try {
    const { chromium } = await import("playwright-core");
    return { chromium, executablePath: executable.path, skip: false };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return { skip: `playwright-core cannot be imported on ${RUNTIME}: ${reason}` };
  }
}

const setup = await setUp();
const skip = setup.skip;

/** What the page shows, as read in it by {@linkcode readShown}. */
interface Shown {
  state: string | undefined;
  guess: string;
  message: string;
  tone: string | undefined;
  history: { text: string; decision: string | undefined }[];
  /** The bar's `data-lower` and `data-upper`: what the answers still allow. */
  lower: string | undefined;
  upper: string | undefined;
  /** The focused element's `id`, else its `data-decision`, else its tag name. */
  focused: string;
  lang: string;
}

/** The little of the DOM that {@linkcode readShown} reads (it runs in Chromium, not here). */
interface PageElement {
  readonly id: string;
  readonly tagName: string;
  readonly textContent: string | null;
  readonly lang: string;
  readonly dataset: Readonly<Record<string, string | undefined>>;
}
interface PageDocument {
  readonly body: PageElement;
  readonly documentElement: PageElement;
  readonly activeElement: PageElement | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
}

/** Runs in the page: what it shows. Self-contained, as Playwright sends only its source. */
function readShown(): Shown {
  const doc = (globalThis as unknown as { document: PageDocument }).document;
  const text = (selector: string) => doc.querySelector(selector)?.textContent ?? "";
  const bar = doc.querySelector("#bar");
  const active = doc.activeElement;
  return {
    state: doc.body.dataset.state,
    guess: text("output#guess"),
    message: text("#message"),
    tone: doc.querySelector("#message")?.dataset.tone,
    history: [...doc.querySelectorAll("#history > li")].map((item) => ({
      text: item.textContent ?? "",
      decision: item.dataset.decision,
    })),
    lower: bar?.dataset.lower,
    upper: bar?.dataset.upper,
    focused: active === null
      ? ""
      : active.id || (active.dataset.decision ?? active.tagName.toLowerCase()),
    lang: doc.documentElement.lang,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls what the page shows until `done` holds; fails after `timeout` ms, saying what it shows. */
async function until(
  page: Page,
  what: string,
  done: (shown: Shown) => boolean,
  timeout = WAIT,
): Promise<Shown> {
  const deadline = Date.now() + timeout;
  while (true) {
    const shown = await page.evaluate(readShown);
    if (done(shown)) return shown;
    if (Date.now() > deadline) {
      throw new Error(`No ${what} within ${timeout} ms; the page shows ${JSON.stringify(shown)}`);
    }
    await sleep(20);
  }
}

/** Polls `check` (about the server, say) until it holds; fails after `timeout` ms. */
async function eventually(check: () => boolean, what: string, timeout = WAIT): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`No ${what} within ${timeout} ms`);
    await sleep(20);
  }
}

/** One WebSocket the page opened, as Playwright saw it. */
interface SocketLog {
  readonly url: string;
  readonly sent: string[];
  readonly received: string[];
  closed: boolean;
}

/** A page in a new browser context, with everything it reported. */
interface Watched {
  readonly page: Page;
  /** Console errors, uncaught errors, failed requests, HTTP errors and socket errors. */
  readonly problems: string[];
  /** The problems the test expects, exactly (each also asserted by the test). */
  readonly expected: string[];
  /** Every WebSocket the page opened, in order. */
  readonly sockets: SocketLog[];
}

let browser: Browser | undefined;

/** Records what a page reports: problems, and its WebSockets' frames. */
function watch(page: Page): Watched {
  const watched: Watched = { page, problems: [], expected: [], sockets: [] };
  const { problems } = watched;
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const { url, lineNumber } = message.location();
    problems.push(`console error: ${message.text()} (${url}:${lineNumber})`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.stack ?? error.message}`));
  page.on("requestfailed", (request) => {
    problems.push(`request failed: ${request.url()}: ${request.failure()?.errorText}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  page.on("websocket", (socket: PageSocket) => {
    const log: SocketLog = { url: socket.url(), sent: [], received: [], closed: false };
    watched.sockets.push(log);
    const text = (payload: string | Uint8Array) =>
      typeof payload === "string" ? payload : new TextDecoder().decode(payload);
    socket.on("framesent", ({ payload }) => log.sent.push(text(payload)));
    socket.on("framereceived", ({ payload }) => log.received.push(text(payload)));
    socket.on("socketerror", (error) => problems.push(`socket error: ${log.url}: ${error}`));
    socket.on("close", () => log.closed = true);
  });
  return watched;
}

/**
 * Runs `body` on a page of a new context, then fails if the page reported a
 * problem the test did not put in `expected` (or did not report one it did).
 */
async function withPage(
  options: BrowserContextOptions,
  body: (watched: Watched) => Promise<void>,
): Promise<void> {
  assert.ok(browser !== undefined, "the browser was launched");
  const context = await browser.newContext(options);
  context.setDefaultTimeout(WAIT);
  context.setDefaultNavigationTimeout(WAIT);
  try {
    const watched = watch(await context.newPage());
    await body(watched);
    // Let any late report (a console line, a request) arrive before judging.
    await watched.page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 50)));
    assert.deepEqual(
      [...watched.problems].sort(),
      [...watched.expected].sort(),
      "the page's problems",
    );
  } finally {
    await context.close();
  }
}

/** A server of the smart strategy with a web port, on this runtime. */
function startServer(options: ServeOptions = {}): Promise<Server> {
  return serve({
    port: 0,
    quiet: true,
    strategy: "smart",
    ...options,
    web: { port: 0, ...options.web },
  });
}

function pageUrl(server: Server): string {
  return `http://${HOST}:${server.web!.port}/`;
}

/** A port that was free a moment ago, on which a server can be stopped and started again. */
async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve, reject) => {
    probe.once("error", reject);
    probe.listen(0, HOST, () => resolve());
  });
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  assert.ok(typeof address === "object" && address !== null);
  return address.port;
}

/** The most guesses the smart strategy needs over `lower..upper`: W + 1, 2^W <= 3N. */
function smartBound(lower: bigint, upper: bigint): number {
  const threeN = 3n * (upper - lower + 1n);
  let w = 0;
  while (2n ** BigInt(w + 1) <= threeN) w++;
  return w + 1;
}

/** How a person gives an answer: a click, a key, a tap. */
type Answer = (page: Page, decision: Decision) => Promise<void>;
const byClick: Answer = (page, decision) => page.click(`button[data-decision="${decision}"]`);
const byKey: Answer = (page, decision) => page.keyboard.press(ANSWER_KEYS[decision]);
const byTap: Answer = (page, decision) => page.tap(`button[data-decision="${decision}"]`);

/** Types a range into the start form and presses Start. */
async function startGame(page: Page, lower: bigint, upper: bigint): Promise<void> {
  await page.fill("#lower", String(lower));
  await page.fill("#upper", String(upper));
  await page.click("#start");
}

/**
 * Waits for the guess that follows `answered` answered guesses, the last of
 * them `last`: the state `playing`, the history that long, a new number.
 */
async function nextGuess(page: Page, answered: number, last?: bigint): Promise<Shown> {
  const shown = await until(
    page,
    `guess ${answered + 1}`,
    (s) =>
      (s.state !== "playing" && s.state !== "waiting") ||
      (s.state === "playing" && s.history.length === answered && s.guess !== "" &&
        s.guess !== String(last)),
  );
  assert.equal(shown.state, "playing", `waiting for guess ${answered + 1}: ${shown.message}`);
  assert.match(shown.guess, /^-?\d+$/);
  return shown;
}

/** A game played: its guesses, in order. */
interface Played {
  readonly guesses: readonly bigint[];
  readonly decisions: readonly Decision[];
}

/**
 * Plays the started game over `lower..upper` as a person holding `secret`:
 * reads each guess from the page, decides it by the rule, answers it with
 * `answer`, and checks on the way that the bar always allows the secret.
 * Ends with the page won, its history one line per guess, its win line said.
 */
async function playGame(
  page: Page,
  secret: bigint,
  { lower = 1n, upper = 100n, answer = byClick, language = "en" }: {
    lower?: bigint;
    upper?: bigint;
    answer?: Answer;
    language?: Language;
  } = {},
): Promise<Played> {
  const limit = smartBound(lower, upper);
  const guesses: bigint[] = [];
  const decisions: Decision[] = [];
  let distance: bigint | undefined;
  while (decisions.at(-1) !== "Correct") {
    assert.ok(guesses.length < limit, `${secret} not found within ${limit} guesses: ${guesses}`);
    const shown = await nextGuess(page, guesses.length, guesses.at(-1));
    const n = BigInt(shown.guess);
    assert.ok(n >= lower && n <= upper, `guess ${n} outside ${lower}..${upper}`);
    assert.ok(!guesses.includes(n), `${n} guessed twice`);
    assert.ok(
      BigInt(shown.lower!) <= secret && secret <= BigInt(shown.upper!),
      `the bar allows ${shown.lower}..${shown.upper}, not the secret ${secret}`,
    );
    const outcome = decide(secret, n, distance);
    distance = outcome.distance;
    guesses.push(n);
    decisions.push(outcome.decision);
    await answer(page, outcome.decision);
  }
  const shown = await until(page, "the win", (s) => s.state !== "playing" && s.state !== "waiting");
  assert.equal(shown.state, "won", shown.message);
  const s = STRINGS[language];
  assert.deepEqual(
    shown.history,
    guesses.map((n, i) => ({
      text: s.historyItem(n, s.decision[decisions[i]]),
      decision: decisions[i],
    })),
    "one history line per guess",
  );
  assert.equal(shown.message, s.won(secret, guesses.length));
  assert.equal(shown.tone, "win");
  assert.deepEqual([shown.lower, shown.upper], [String(secret), String(secret)]);
  return { guesses, decisions };
}

/** The `REPORT` lines a socket sent. */
function reports(socket: SocketLog): string[] {
  return socket.sent.filter((line) => line.startsWith("REPORT "));
}

/** The `REPORT` lines a game's decisions make in a dialect. */
function expectedReports(decisions: readonly Decision[], dialect: Language): string[] {
  return decisions.map((decision) => formatCommand({ type: "REPORT", decision }, dialect));
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Checks that a file is a PNG of `width` x `height` pixels and a sensible size in bytes. */
function checkPng(file: string, width: number, height: number): void {
  const bytes = readFileSync(file);
  assert.deepEqual([...bytes.subarray(0, 8)], PNG_SIGNATURE, `${file} is a PNG`);
  // The first chunk is IHDR: its width and height, big-endian, at bytes 16 and 20.
  assert.equal(bytes.subarray(12, 16).toString("latin1"), "IHDR");
  assert.deepEqual([bytes.readUInt32BE(16), bytes.readUInt32BE(20)], [width, height]);
  // A blank picture of that size compresses to a few kilobytes; the page's is more.
  assert.ok(bytes.length > 10_000, `${file} has ${bytes.length} bytes: is it blank?`);
  assert.ok(bytes.length < 3_000_000, `${file} has ${bytes.length} bytes`);
}

describe("the page in headless Chromium", () => {
  before(async () => {
    if (setup.skip !== false) return;
    browser = await setup.chromium.launch({
      executablePath: setup.executablePath,
      args: ["--no-sandbox"],
      headless: true,
      timeout: 30_000,
    });
  });
  after(async () => {
    await browser?.close();
    browser = undefined;
  });

  test(
    titled("a person's whole game by clicks, found by the smart strategy within 9", skip),
    { ...LIMIT, skip },
    async () => {
      await using server = await startServer();
      await withPage({}, async ({ page, sockets }) => {
        const response = await page.goto(pageUrl(server));
        assert.equal(response?.status(), 200);
        const shown = await page.evaluate(readShown);
        assert.equal(shown.state, "idle");
        assert.equal(shown.lang, "en");
        for (const decision of DECISIONS) {
          const button = page.locator(`button[data-decision="${decision}"]`);
          assert.equal(await button.textContent(), DECISION_WORDS.en[decision]);
        }
        assert.equal(smartBound(1n, 100n), 9);
        await startGame(page, 1n, 100n);
        const played = await playGame(page, 73n);
        assert.ok(played.guesses.length <= 9);
        assert.equal(server.connections, 1);
        assert.equal(sockets.length, 1);
        assert.deepEqual(reports(sockets[0]), expectedReports(played.decisions, "en"));
        // Won: nothing left to answer, and the next step is a new game.
        assert.ok(await page.isHidden(".answers"));
        assert.ok(await page.isVisible("#new-game"));
        assert.equal((await page.evaluate(readShown)).focused, "new-game");
      });
    },
  );

  test(
    titled("a game by the keyboard alone: Tab, typing, Enter and Space, w c u y", skip),
    { ...LIMIT, skip },
    async () => {
      await using server = await startServer();
      await withPage({}, async ({ page }) => {
        await page.goto(pageUrl(server));
        const focused = async () => (await page.evaluate(readShown)).focused;
        // From the top of the page: the language switch, then the range, then Start.
        assert.equal(await focused(), "body");
        await page.keyboard.press("Tab");
        assert.equal(await focused(), "lang");
        await page.keyboard.press("Tab");
        assert.equal(await focused(), "lower");
        await page.keyboard.press("ControlOrMeta+A");
        await page.keyboard.type("10");
        await page.keyboard.press("Tab");
        assert.equal(await focused(), "upper");
        await page.keyboard.press("ControlOrMeta+A");
        await page.keyboard.type("40");
        await page.keyboard.press("Tab");
        assert.equal(await focused(), "start");
        await page.keyboard.press("Enter");
        const range = { lower: 10n, upper: 40n, answer: byKey };
        const first = await nextGuess(page, 0);
        assert.deepEqual([first.lower, first.upper], ["10", "40"]);
        assert.equal(first.focused, "Warmer", "the focus is on the first answer button");
        await playGame(page, 23n, range);
        // Then New game by Enter (it has the focus), and a second game by Space on Start.
        assert.equal(await focused(), "new-game");
        await page.keyboard.press("Enter");
        const idle = await until(page, "the start form", (s) => s.state === "idle");
        assert.equal(idle.focused, "start");
        assert.equal(await page.inputValue("#lower"), "10");
        assert.equal(await page.inputValue("#upper"), "40");
        await page.keyboard.press("Space");
        await playGame(page, 40n, range);
      });
    },
  );

  test(
    titled("a contradicting answer is refused, said so, and the game goes on", skip),
    { ...LIMIT, skip },
    async () => {
      await using server = await startServer();
      await withPage({}, async ({ page }) => {
        await page.goto(pageUrl(server));
        await startGame(page, 1n, 100n);
        const secret = 58n;
        let allowed = new Candidates(1n, 100n);
        let distance: bigint | undefined;
        let refusals = 0;
        const answered: Decision[] = [];
        let last: bigint | undefined;
        while (answered.at(-1) !== "Correct") {
          assert.ok(answered.length < 9, "found within 9 guesses");
          const before = await nextGuess(page, answered.length, last);
          const n = BigInt(before.guess);
          // Every answer that no secret could give after the earlier ones, by
          // key and by click: refused, and nothing else changes.
          for (const decision of DECISIONS) {
            if (allowed.after(n, decision) !== undefined) continue;
            await (refusals % 2 === 0 ? byClick : byKey)(page, decision);
            refusals++;
            const said = STRINGS.en.contradiction(decision, n);
            const refused = await until(
              page,
              `the refusal of ${decision}`,
              (s) => s.message === said,
            );
            assert.equal(refused.tone, "error");
            await sleep(50); // time for a wrongly accepted answer to show
            const after = await page.evaluate(readShown);
            assert.deepEqual(after, refused);
            assert.equal(after.state, "playing");
            assert.equal(after.guess, before.guess);
            assert.deepEqual(after.history, before.history);
            assert.deepEqual([after.lower, after.upper], [before.lower, before.upper]);
          }
          const outcome = decide(secret, n, distance);
          distance = outcome.distance;
          allowed = allowed.after(n, outcome.decision)!;
          answered.push(outcome.decision);
          last = n;
          await byClick(page, outcome.decision);
          if (outcome.decision !== "Correct") {
            assert.equal((await nextGuess(page, answered.length, last)).message, "");
          }
        }
        // The first guess's Warmer and Colder at least: there is nothing to compare with.
        assert.ok(refusals >= 2, `${refusals} refusals`);
        const won = await until(page, "the win", (s) => s.state === "won");
        assert.equal(won.history.length, answered.length);
      });
    },
  );

  test(
    titled("the Korean page: Korean words, lang=ko, and the Korean dialect on the wire", skip),
    { ...LIMIT, skip },
    async () => {
      await using server = await startServer();
      await withPage({ locale: "ko-KR" }, async ({ page, sockets }) => {
        await page.goto(pageUrl(server));
        const shown = await page.evaluate(readShown);
        assert.equal(shown.lang, "ko");
        assert.equal(await page.title(), STRINGS.ko.title);
        assert.equal(await page.textContent("#start"), STRINGS.ko.start);
        assert.equal(await page.textContent("#lang"), "English");
        for (const decision of DECISIONS) {
          const button = page.locator(`button[data-decision="${decision}"]`);
          assert.equal(await button.textContent(), DECISION_WORDS.ko[decision]);
        }
        assert.deepEqual(
          DECISIONS.map((decision) => DECISION_WORDS.ko[decision]),
          ["더따뜻함", "더차가움", "잘모르겠음", "맞음"],
        );
        await startGame(page, 1n, 100n);
        const played = await playGame(page, 42n, { language: "ko" });
        assert.equal(sockets.length, 1);
        // What the server read: the Korean words, and it went on to the end.
        assert.deepEqual(reports(sockets[0]), expectedReports(played.decisions, "ko"));
        assert.equal(reports(sockets[0]).at(-1), "REPORT 맞음");
        assert.ok(!sockets[0].received.some((line) => line.startsWith("ERROR")));
      });
    },
  );

  test(
    titled("the language switch turns an English page Korean, and its next game", skip),
    { ...LIMIT, skip },
    async () => {
      await using server = await startServer();
      await withPage({ locale: "en-US" }, async ({ page, sockets }) => {
        await page.goto(pageUrl(server));
        assert.equal((await page.evaluate(readShown)).lang, "en");
        await startGame(page, 1n, 100n);
        const english = await playGame(page, 64n);
        await page.click("#lang");
        const korean = await page.evaluate(readShown);
        assert.equal(korean.lang, "ko");
        assert.equal(await page.textContent("#lang"), "English");
        assert.equal(await page.textContent("#new-game"), STRINGS.ko.newGame);
        for (const decision of DECISIONS) {
          const button = page.locator(`button[data-decision="${decision}"]`);
          assert.equal(await button.textContent(), DECISION_WORDS.ko[decision]);
        }
        // What is shown is said again in Korean: the win line and the history.
        assert.equal(korean.message, STRINGS.ko.won(64n, english.guesses.length));
        assert.deepEqual(
          korean.history.map((item) => item.text),
          english.guesses.map((n, i) =>
            STRINGS.ko.historyItem(n, DECISION_WORDS.ko[english.decisions[i]])
          ),
        );
        // The next game goes on a new connection, in the Korean dialect.
        await page.click("#new-game");
        await until(page, "the start form", (s) => s.state === "idle");
        await page.click("#start");
        const played = await playGame(page, 7n, { language: "ko" });
        assert.equal(sockets.length, 2);
        assert.deepEqual(reports(sockets[0]), expectedReports(english.decisions, "en"));
        assert.deepEqual(reports(sockets[1]), expectedReports(played.decisions, "ko"));
        await eventually(() => sockets[0].closed, "the English connection's close");
        await eventually(() => server.connections === 1, "one connection left");
        // The choice is remembered.
        await page.reload();
        assert.equal((await page.evaluate(readShown)).lang, "ko");
        assert.equal(await page.textContent("#start"), STRINGS.ko.start);
      });
    },
  );

  test(
    titled("a second game on the same page and connection, after Correct and New game", skip),
    { ...LIMIT, skip },
    async () => {
      await using server = await startServer();
      await withPage({}, async ({ page, sockets }) => {
        await page.goto(pageUrl(server));
        await startGame(page, 1n, 100n);
        const first = await playGame(page, 1n);
        await page.click("#new-game");
        const idle = await until(page, "the start form", (s) => s.state === "idle");
        assert.equal(idle.message, "");
        assert.equal(idle.focused, "start");
        assert.ok(await page.isVisible("#setup"));
        assert.ok(await page.isHidden("#game"));
        assert.ok(await page.isHidden("#new-game"));
        await startGame(page, 1n, 100n);
        const second = await playGame(page, 100n);
        assert.equal(sockets.length, 1, "the connection is reused");
        assert.equal(server.connections, 1);
        assert.deepEqual(
          reports(sockets[0]),
          expectedReports([...first.decisions, ...second.decisions], "en"),
        );
      });
    },
  );

  test(
    titled("the server stopped mid-game: lost, said so, Reconnect, and a game on the next", skip),
    { ...LIMIT, skip },
    async () => {
      const port = await freePort();
      const first = await startServer({ web: { port } });
      let second: Server | undefined;
      try {
        await withPage({}, async ({ page, sockets }) => {
          await page.goto(`http://${HOST}:${port}/`);
          await startGame(page, 1n, 100n);
          const guess = await nextGuess(page, 0);
          await byClick(page, decide(50n, BigInt(guess.guess)).decision);
          await nextGuess(page, 1, BigInt(guess.guess));
          await first.close();
          const lost = await until(page, "the loss", (s) => s.state === "lost");
          assert.equal(lost.message, STRINGS.en.lost("shutting-down"));
          assert.equal(lost.tone, "error");
          assert.ok(await page.isVisible("#reconnect"));
          assert.equal(lost.focused, "reconnect");
          assert.ok(await page.isHidden("#game"));
          // A key answers nothing now.
          await page.keyboard.press("w");
          assert.equal((await page.evaluate(readShown)).state, "lost");
          await eventually(() => sockets[0].closed, "the socket's close");

          second = await startServer({ web: { port } });
          await page.click("#reconnect");
          const idle = await until(page, "the start form", (s) => s.state === "idle");
          assert.equal(idle.message, "");
          assert.ok(await page.isHidden("#reconnect"));
          const next = second;
          await eventually(() => next.connections === 1, "the new connection");
          await startGame(page, 1n, 100n);
          await playGame(page, 50n);
          assert.equal(sockets.length, 2);
        });
      } finally {
        await first.close();
        await second?.close();
      }
    },
  );

  test(
    titled("a page of another origin cannot open the WebSocket: 403 before the upgrade", skip),
    { ...LIMIT, skip },
    async () => {
      // Another origin's page: its script opens the WebSocket given in the
      // query and writes what happens into <body data-events>.
      const other = createHttpServer((request, response) => {
        const target = new URL(request.url ?? "/", "http://x").searchParams.get("ws") ?? "";
        response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        response.end(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<link rel="icon" href="data:,"><title>Another origin</title></head><body data-events="">
<script>
  const events = [];
  const note = (event) => { events.push(event); document.body.dataset.events = events.join(" "); };
  const socket = new WebSocket(${JSON.stringify(target)});
  socket.addEventListener("open", () => { note("open"); socket.send("PARAMS 1 10"); socket.send("NUMBER"); });
  socket.addEventListener("message", (event) => { note("message:" + event.data); socket.close(1000); });
  socket.addEventListener("error", () => note("error"));
  socket.addEventListener("close", (event) => note("close:" + event.code));
</script></body></html>`);
      });
      await new Promise<void>((resolve) => other.listen(0, HOST, () => resolve()));
      const address = other.address();
      assert.ok(typeof address === "object" && address !== null);
      const origin = `http://${HOST}:${address.port}`;
      try {
        await using server = await startServer();
        // The same page, from an origin the server is told to allow: it plays.
        await using allowing = await startServer({ web: { port: 0, origins: [origin] } });
        const wsUrl = (to: Server) => `ws://${HOST}:${to.web!.port}/ws`;
        const events = async (page: Page, to: Server) => {
          await page.goto(`${origin}/?ws=${encodeURIComponent(wsUrl(to))}`);
          await page.waitForFunction(
            () =>
              /close/.test(
                (globalThis as unknown as { document: PageDocument }).document.body.dataset
                  .events ?? "",
              ),
            undefined,
            { timeout: WAIT },
          );
          return (await page.getAttribute("body", "data-events"))?.split(" ");
        };
        await withPage({}, async ({ page, expected }) => {
          assert.deepEqual(await events(page, server), ["error", "close:1006"]);
          assert.equal(server.connections, 0);
          // Chromium itself says why, twice: in the page's console (at the
          // script's `new WebSocket`, line 5 counted from 0) and to Playwright
          // as the socket's error. These two, exactly, are expected; the page
          // of the server's own origin (the other tests) logs nothing.
          const refused = "Error during WebSocket handshake: Unexpected response code: 403";
          const at = `${origin}/?ws=${encodeURIComponent(wsUrl(server))}:5`;
          expected.push(
            `console error: WebSocket connection to '${wsUrl(server)}' failed: ${refused} (${at})`,
            `socket error: ${wsUrl(server)}: ${refused}`,
          );
        });
        await withPage({}, async ({ page }) => {
          const seen = await events(page, allowing);
          assert.equal(seen?.[0], "open");
          assert.match(seen?.[1] ?? "", /^message:\d+$/);
          assert.equal(seen?.[2], "close:1000");
        });
        assert.equal(server.connections, 0);
      } finally {
        await new Promise<void>((resolve) => other.close(() => resolve()));
      }
    },
  );

  test(
    titled("at a phone's width the answer buttons are all on screen, 44 px tall or more", skip),
    { ...LIMIT, skip },
    async () => {
      await using server = await startServer();
      const viewport = { width: 360, height: 740 };
      await withPage(
        { viewport, deviceScaleFactor: 2, isMobile: true, hasTouch: true, colorScheme: "light" },
        async ({ page }) => {
          await page.goto(pageUrl(server));
          await page.fill("#lower", "1");
          await page.fill("#upper", "100");
          await page.tap("#start");
          await nextGuess(page, 0);
          for (const decision of DECISIONS) {
            const button = page.locator(`button[data-decision="${decision}"]`);
            assert.ok(await button.isVisible(), `${decision} is visible`);
            assert.ok(await button.isEnabled(), `${decision} is enabled`);
            const box = await button.boundingBox();
            assert.ok(box !== null, `${decision} has a box`);
            assert.ok(box.height >= 44, `${decision} is ${box.height} px tall`);
            assert.ok(box.width >= 44, `${decision} is ${box.width} px wide`);
            assert.ok(
              box.x >= 0 && box.y >= 0 && box.x + box.width <= viewport.width &&
                box.y + box.height <= viewport.height,
              `${decision} at ${JSON.stringify(box)} is within ${JSON.stringify(viewport)}`,
            );
          }
          const dir = mkdtempSync(join(tmpdir(), "warmer-colder-browser-"));
          try {
            const file = join(dir, "phone.png");
            await page.screenshot({ path: file, animations: "disabled" });
            checkPng(file, 720, 1480);
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
          await playGame(page, 99n, { answer: byTap });
        },
      );
    },
  );

  test(
    titled("the README's screenshot: a game in progress, 1280x800, light", skip),
    { ...LIMIT, skip },
    async () => {
      await using server = await startServer();
      const write = process.env.WRITE_SCREENSHOT === "1";
      await withPage(
        {
          viewport: { width: 1280, height: 800 },
          deviceScaleFactor: 1,
          colorScheme: "light",
          reducedMotion: "reduce",
        },
        async ({ page }) => {
          await page.goto(pageUrl(server));
          await startGame(page, 1n, 100n);
          // Four answers for a secret the strategy does not find so soon.
          const secret = 37n;
          let distance: bigint | undefined;
          let last: bigint | undefined;
          for (let answered = 0; answered < 4; answered++) {
            const n = BigInt((await nextGuess(page, answered, last)).guess);
            const outcome = decide(secret, n, distance);
            assert.notEqual(outcome.decision, "Correct", `${secret} found at guess ${n}`);
            distance = outcome.distance;
            last = n;
            await byClick(page, outcome.decision);
          }
          const shown = await nextGuess(page, 4, last);
          assert.equal(shown.history.length, 4);
          // No hover or focus ring left by the clicks.
          await page.mouse.move(0, 0);
          await page.evaluate(() =>
            (globalThis as unknown as { document: { activeElement: { blur?(): void } } })
              .document.activeElement.blur?.()
          );
          const dir = write ? join(ROOT, "docs") : mkdtempSync(join(tmpdir(), "warmer-colder-"));
          const file = join(dir, "page.png");
          try {
            mkdirSync(dir, { recursive: true });
            await page.screenshot({ path: file, animations: "disabled" });
            checkPng(file, 1280, 800);
          } finally {
            if (!write) rmSync(dir, { recursive: true, force: true });
          }
        },
      );
    },
  );
});
