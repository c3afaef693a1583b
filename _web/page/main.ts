/// <reference lib="dom" />
/**
 * The browser page's script: a person holds a secret number and answers the
 * server's guesses, over the module's own `Client` on the server's `/ws`
 * WebSocket. What the answers still allow is kept by `Candidates`, the one
 * copy the terminal's `--play` uses too, so that a contradiction is refused.
 *
 * The page's state is on `<body data-state>`: `idle` (the start form),
 * `waiting` (for the server), `playing` (a guess waits for an answer), `won`,
 * `lost` (the connection).
 *
 * @module
 */

import "./dispose.ts";
import { Client } from "../../_client/client.ts";
import { webSocketStreams } from "../../_client/websocket.ts";
import { Candidates } from "../../_play/answers.ts";
import { type Decision, DECISIONS, parseReply, ProtocolError } from "../../protocol.ts";
import { barSpan, guessLimit, parseRange, type RangeProblem } from "./range.ts";
import { ANSWER_KEYS, type Language, pickLanguage, STRINGS, type Strings } from "./strings.ts";

type State = "idle" | "waiting" | "playing" | "won" | "lost";

/** One WebSocket to the server, and the client on it, reused game after game. */
interface Connection {
  readonly socket: WebSocket;
  readonly client: Client;
  /** The words the client sends: the page's language when it was opened. */
  readonly dialect: Language;
  /** Aborted once the connection is lost: the client's waits and the person's answer end. */
  readonly lost: AbortController;
  /** The connection opened. */
  opened: boolean;
  /** The code of the last `ERROR` line the server sent, if any: why it closed. */
  error: string | undefined;
}

/** One guess of the game and its answer, as the history shows it. */
interface Answered {
  readonly n: bigint;
  readonly decision: Decision;
}

/** The element a selector finds, which the page must have. */
function find<T extends HTMLElement>(selector: string, type: { new (): T }): T {
  const element = document.querySelector(selector);
  if (!(element instanceof type)) throw new Error(`The page has no ${type.name} ${selector}`);
  return element;
}

const form = find("#setup", HTMLFormElement);
const lowerInput = find("#lower", HTMLInputElement);
const upperInput = find("#upper", HTMLInputElement);
const startButton = find("#start", HTMLButtonElement);
const gamePanel = find("#game", HTMLElement);
const guessLabel = find("#guess-label", HTMLElement);
const guessOutput = find("#guess", HTMLOutputElement);
const bar = find("#bar", HTMLElement);
const barFill = find("#bar-fill", HTMLElement);
const barMin = find("#bar-min", HTMLElement);
const barMax = find("#bar-max", HTMLElement);
const barText = find("#bar-text", HTMLElement);
const keyList = find("#key-list", HTMLElement);
const messageLine = find("#message", HTMLElement);
const historyPanel = find("#history-panel", HTMLElement);
const historyList = find("#history", HTMLOListElement);
const langButton = find("#lang", HTMLButtonElement);
const newGameButton = find("#new-game", HTMLButtonElement);
const reconnectButton = find("#reconnect", HTMLButtonElement);
const answerButtons = new Map<Decision, HTMLButtonElement>(
  DECISIONS.map((decision) => [
    decision,
    find(`button[data-decision="${decision}"]`, HTMLButtonElement),
  ]),
);
const keyDecisions = new Map(DECISIONS.map((decision) => [ANSWER_KEYS[decision], decision]));

const LANGUAGE_KEY = "warmer-colder.language";

let language: Language = pickLanguage(stored(), navigator.language);
let state: State = "idle";
let connection: Connection | undefined;
/** The game's range, and what the answers still allow. */
let candidates: Candidates | undefined;
let track: { readonly lower: bigint; readonly upper: bigint } | undefined;
let history: Answered[] = [];
/** The message line, as a function of the language, so that a switch rewrites it. */
let message: { readonly tone: "info" | "error" | "win"; text(s: Strings): string } | undefined;
/** Settles the answer the game waits for, while a guess is shown. */
let answer: ((decision: Decision) => void) | undefined;
/** The answer button last pressed: focus goes back to it when the next guess comes. */
let lastAnswered: HTMLButtonElement | undefined;

/** The language the switch remembered, if storage can be read. */
function stored(): string | null {
  try {
    return localStorage.getItem(LANGUAGE_KEY);
  } catch {
    return null;
  }
}

/** The page's text in its language now. */
function strings(): Strings {
  return STRINGS[language];
}

/** Writes every text of the page in the current language. */
function renderText(): void {
  const s = strings();
  document.documentElement.lang = language;
  document.title = s.title;
  for (const element of document.querySelectorAll<HTMLElement>("[data-text]")) {
    const text = s[element.dataset.text as keyof Strings];
    if (typeof text === "string") element.textContent = text;
  }
  langButton.textContent = s.otherLanguage;
  langButton.lang = language === "en" ? "ko" : "en";
  for (const [decision, button] of answerButtons) button.textContent = s.decision[decision];
  keyList.replaceChildren(...DECISIONS.map((decision) => {
    const item = document.createElement("span");
    const key = document.createElement("kbd");
    key.textContent = ANSWER_KEYS[decision];
    item.append(key, ` ${s.decision[decision]}`);
    return item;
  }));
  renderLabel();
  renderBar();
  renderMessage();
  historyList.replaceChildren(...history.map(historyItem));
}

/** Which guess is shown: the one waiting for its answer, else the last one answered. */
function renderLabel(): void {
  guessLabel.textContent = strings().guessLabel(history.length + (state === "playing" ? 1 : 0));
}

/** Writes the message line in the current language. */
function renderMessage(): void {
  messageLine.textContent = message?.text(strings()) ?? "";
  messageLine.dataset.tone = message?.tone ?? "info";
}

/** Shows a line in the message line (a status: screen readers hear it). */
function say(tone: "info" | "error" | "win", text: (s: Strings) => string): void {
  message = { tone, text };
  renderMessage();
}

/** Empties the message line. */
function quiet(): void {
  message = undefined;
  renderMessage();
}

/** Draws what the answers still allow, within the game's range. */
function renderBar(): void {
  if (candidates === undefined || track === undefined) return;
  const span = barSpan(track.lower, track.upper, candidates.lower, candidates.upper);
  bar.dataset.lower = String(candidates.lower);
  bar.dataset.upper = String(candidates.upper);
  // The filled part keeps a sliver's width, and so stays inside the track.
  barFill.style.left = `min(${span.left}%, 100% - 0.5rem)`;
  barFill.style.width = `${span.width}%`;
  barMin.textContent = String(track.lower);
  barMax.textContent = String(track.upper);
  barText.textContent = strings().left(candidates.lower, candidates.upper, candidates.size);
}

/** How long a number is to show, for the styles: `short`, `medium` or `long`. */
function lengthOf(n: bigint | undefined): string {
  const digits = n === undefined ? 0 : String(n).length;
  return digits > 24 ? "long" : digits > 9 ? "medium" : "short";
}

/** Shows the guess, in a smaller size the longer it is, or none. */
function showGuess(n: bigint | undefined): void {
  guessOutput.textContent = n === undefined ? "" : String(n);
  guessOutput.dataset.length = lengthOf(n);
}

/** One line of the history: a guess and its answer. */
function historyItem({ n, decision }: Answered): HTMLLIElement {
  const item = document.createElement("li");
  item.dataset.decision = decision;
  item.textContent = strings().historyItem(n, strings().decision[decision]);
  return item;
}

/**
 * Shows the state: which parts are shown, which buttons work. Focus that the
 * change hid or disabled goes where the person's next step is.
 */
function setState(next: State): void {
  const previous = state;
  state = next;
  document.body.dataset.state = next;
  form.hidden = next !== "idle";
  gamePanel.hidden = next !== "waiting" && next !== "playing" && next !== "won";
  gamePanel.setAttribute("aria-busy", String(next === "waiting"));
  historyPanel.hidden = history.length === 0;
  newGameButton.hidden = next !== "won";
  reconnectButton.hidden = next !== "lost";
  for (const button of answerButtons.values()) button.disabled = next !== "playing";
  renderLabel();
  const target = {
    idle: startButton,
    waiting: undefined,
    playing: lastAnswered ?? answerButtons.get("Warmer"),
    won: newGameButton,
    lost: reconnectButton,
  }[next];
  const focused = document.activeElement;
  const focusLost = !(focused instanceof HTMLElement) || focused === document.body ||
    focused.closest("[hidden]") !== null || (focused as HTMLButtonElement).disabled === true;
  if (target !== undefined && focusLost && next !== previous) target.focus();
}

/** Opens a connection to the server's `/ws`, in the page's language. */
function open(): Connection {
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
  const socket = new WebSocket(url);
  const lost = new AbortController();
  const client = new Client(webSocketStreams(socket), {
    dialect: language,
    timeout: 0,
    signal: lost.signal,
  });
  const opened: Connection = {
    socket,
    client,
    dialect: language,
    lost,
    opened: false,
    error: undefined,
  };
  socket.addEventListener("open", () => opened.opened = true);
  // The server says why before it closes (`ERROR shutting-down ...`), even
  // when no guess was asked for, and so the client reads no reply.
  socket.addEventListener("message", (event) => {
    if (typeof event.data !== "string" || !event.data.startsWith("ERROR ")) return;
    const reply = parseReply(event.data);
    if (reply.type === "error") opened.error = reply.code;
  });
  socket.addEventListener("close", () => lose(opened, opened.error));
  return opened;
}

/**
 * The connection is lost, or of no more use (the server answered what the
 * page cannot read): the game ends, and the page offers to reconnect. Only
 * the current connection's loss counts; a second report of it does nothing.
 */
function lose(lostOne: Connection, code: string | undefined): void {
  if (lostOne !== connection) return;
  connection = undefined;
  answer = undefined;
  lostOne.lost.abort(new Error("The connection was lost"));
  say("error", (s) => lostOne.opened ? s.lost(code) : s.unreachable);
  setState("lost");
}

/**
 * Ends a connection on purpose: it is not lost. One still opening is closed
 * once open, as the browser complains of a WebSocket closed before that.
 */
function retire(old: Connection): void {
  if (old === connection) connection = undefined;
  const close = () => void old.client.close().catch(() => {});
  if (old.socket.readyState === WebSocket.CONNECTING) {
    old.socket.addEventListener("open", close, { once: true });
  } else close();
}

/** Waits for the person's answer to the guess shown; rejects once the connection is lost. */
function nextAnswer(signal: AbortSignal): Promise<Decision> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    answer = (decision) => {
      answer = undefined;
      signal.removeEventListener("abort", onAbort);
      resolve(decision);
    };
  });
}

/** The person answered, by a button or a key: taken only while a guess waits. */
function answered(decision: Decision): void {
  if (state === "playing") answer?.(decision);
}

/** Plays one game on the connection: shows each guess and reports the person's answers. */
async function play(on: Connection, lower: bigint, upper: bigint): Promise<void> {
  let allowed = new Candidates(lower, upper);
  track = { lower, upper };
  candidates = allowed;
  history = [];
  // Long numbers take the history's whole width; short ones go in columns.
  historyList.dataset.length = lengthOf(-lower > upper ? lower : upper);
  showGuess(undefined);
  lastAnswered = undefined;
  quiet();
  setState("waiting");
  renderText();
  let guesses = 0;
  try {
    await using game = await on.client.session(lower, upper);
    for await (const n of game.requestNumbers(guessLimit(lower, upper))) {
      guesses++;
      showGuess(n);
      setState("playing");
      while (true) {
        const decision = await nextAnswer(on.lost.signal);
        const next = allowed.after(n, decision);
        if (next === undefined) {
          say("error", (s) => s.contradiction(s.decision[decision], n));
          continue;
        }
        allowed = next;
        candidates = next;
        history.push({ n, decision });
        historyList.append(historyItem({ n, decision }));
        quiet();
        renderBar();
        await game.report(n, decision);
        if (decision === "Correct") {
          say("win", (s) => s.won(n, guesses));
          setState("won");
          return;
        }
        setState("waiting");
        break;
      }
    }
    over(guesses);
  } catch (error) {
    if (error instanceof ProtocolError && error.code === "exhausted") over(guesses);
    else lose(on, error instanceof ProtocolError ? error.code : undefined);
  }
}

/** The game ended with no `Correct`: back to the start form. */
function over(guesses: number): void {
  say("info", (s) => s.gaveUp(guesses));
  setState("idle");
}

/** What is wrong with the range, in words. */
function problem(s: Strings, wrong: RangeProblem): string {
  switch (wrong.kind) {
    case "not-integer":
      return s.notInteger(wrong.field === "lower" ? s.lower : s.upper);
    case "reversed":
      return s.reversed(wrong.lower, wrong.upper);
    case "too-long":
      return s.tooLong;
  }
}

/** The input to correct, if one is to blame. */
function wrongInput(wrong: RangeProblem): HTMLInputElement | undefined {
  if (wrong.kind === "not-integer") return wrong.field === "lower" ? lowerInput : upperInput;
  if (wrong.kind === "reversed") return lowerInput;
  return undefined;
}

/** Start: checks the range, then plays on the connection, opening one in the page's language. */
function start(): void {
  if (state !== "idle") return;
  const range = parseRange(lowerInput.value, upperInput.value);
  const field = range.ok ? undefined : wrongInput(range.problem);
  for (const input of [lowerInput, upperInput]) {
    if (input === field) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
  if (!range.ok) {
    const wrong = range.problem;
    say("error", (s) => problem(s, wrong));
    field?.focus();
    return;
  }
  if (connection !== undefined && connection.dialect !== language) retire(connection);
  connection ??= open();
  void play(connection, range.lower, range.upper);
}

/** The language switch: the other language, remembered for the next visit. */
function switchLanguage(): void {
  language = language === "en" ? "ko" : "en";
  try {
    localStorage.setItem(LANGUAGE_KEY, language);
  } catch { /* not remembered, then */ }
  renderText();
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  start();
});
for (const [decision, button] of answerButtons) {
  button.setAttribute("aria-keyshortcuts", ANSWER_KEYS[decision]);
  button.addEventListener("click", () => {
    lastAnswered = button;
    answered(decision);
  });
}
document.addEventListener("keydown", (event) => {
  if (event.repeat || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (
    target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement ||
    (target instanceof HTMLElement && target.isContentEditable)
  ) return;
  const decision = keyDecisions.get(event.key.toLowerCase());
  if (decision === undefined || state !== "playing") return;
  event.preventDefault();
  answered(decision);
});
newGameButton.addEventListener("click", () => {
  quiet();
  setState("idle");
});
reconnectButton.addEventListener("click", () => {
  connection = open();
  quiet();
  setState("idle");
});
langButton.addEventListener("click", switchLanguage);

renderText();
setState("idle");
