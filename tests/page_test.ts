/**
 * The browser page, without a browser: the committed `_web/assets.ts` is what
 * `scripts/build_page.ts` builds; the HTML keeps to the server's
 * `Content-Security-Policy: default-src 'self'` and asks for no file the
 * server lacks; the bundle is self-contained; and the page's pure parts (the
 * range, the bar, the language) do what they say.
 *
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { ASSETS } from "../_web/assets.ts";
import { barSpan, guessLimit, parseRange } from "../_web/page/range.ts";
import { ANSWER_KEYS, pickLanguage, STRINGS } from "../_web/page/strings.ts";
import { DECISION_WORDS, DECISIONS } from "../protocol.ts";
import { ROOT } from "./_helpers.ts";

const HTML = ASSETS["/"].body;
const BUNDLE = ASSETS["/app.js"].body;

/** Every value of an attribute of the HTML's tags, such as every `href`. */
function attributes(html: string, names: string): string[] {
  const pattern = new RegExp(`\\s(?:${names})\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, "gi");
  return [...html.matchAll(pattern)].map((match) => match[1] ?? match[2] ?? match[3]);
}

/** Runs the build script's `--check` with Bun: its exit code and what it printed. */
function checkAssets(): Promise<{ code: number; output: string }> {
  const bun = join(ROOT, "node_modules", ".bin", "bun");
  return new Promise((resolve) => {
    execFile(
      bun,
      [join(ROOT, "scripts", "build_page.ts"), "--check"],
      { cwd: ROOT },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, output: `${stdout}${stderr}${error?.message ?? ""}` });
      },
    );
  });
}

describe("the committed assets", () => {
  test("are what scripts/build_page.ts builds from _web/page/ (not stale)", async () => {
    const { code, output } = await checkAssets();
    assert.equal(code, 0, `bun scripts/build_page.ts --check failed:\n${output}`);
    assert.match(output, /up to date/);
  });

  test("are the page's five files, with full Content-Types", () => {
    assert.deepEqual(Object.keys(ASSETS).sort(), [
      "/",
      "/app.js",
      "/favicon.ico",
      "/favicon.svg",
      "/style.css",
    ]);
    assert.equal(ASSETS["/"].type, "text/html; charset=utf-8");
    assert.equal(ASSETS["/app.js"].type, "text/javascript; charset=utf-8");
    assert.equal(ASSETS["/style.css"].type, "text/css; charset=utf-8");
    assert.equal(ASSETS["/favicon.svg"].type, "image/svg+xml");
    assert.deepEqual(ASSETS["/favicon.ico"], ASSETS["/favicon.svg"]);
  });
});

describe("the HTML", () => {
  test("references no URL outside the server", () => {
    const urls = attributes(HTML, "src|href|action|formaction|srcset|poster");
    assert.ok(urls.length >= 3, `expected the icon, the styles and the script, got ${urls}`);
    for (const url of urls) assert.doesNotMatch(url, /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i, url);
  });

  test("has no inline script, style or event handler, which the CSP would block", () => {
    const scripts = [...HTML.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    assert.equal(scripts.length, 1);
    for (const [, attrs, body] of scripts) {
      assert.match(attrs, /\ssrc=/, "a script without src");
      assert.equal(body.trim(), "", "a script with a body");
    }
    assert.doesNotMatch(HTML, /<style[\s>]/i);
    assert.deepEqual(attributes(HTML, "style"), []);
    assert.deepEqual(attributes(HTML, "on[a-z]+"), []);
  });

  test("asks only for files the server has: every local URL is an asset", () => {
    for (const url of attributes(HTML, "src|href")) {
      const path = url.replace(/[?#].*$/, "");
      assert.ok(Object.hasOwn(ASSETS, path), `${url} is not an asset`);
    }
    assert.match(HTML, /<link rel="icon" href="\/favicon.svg" type="image\/svg\+xml">/);
  });

  test("has every element the script and the browser tests find", () => {
    const ids = new Set(attributes(HTML, "id"));
    const script = ["lower", "upper", "start", "guess", "message", "history", "bar", "bar-fill"]
      .concat(["lang", "new-game", "reconnect", "setup", "game", "guess-label", "bar-min"])
      .concat(["bar-max", "bar-text", "key-list", "history-panel"]);
    for (const id of script) assert.ok(ids.has(id), `no #${id}`);
    assert.match(HTML, /<output id="guess"[^>]*aria-live="polite"/);
    assert.match(HTML, /<p id="message"[^>]*role="status"/);
    assert.match(HTML, /<ol id="history">/);
    assert.match(HTML, /<body data-state="idle">/);
    for (const decision of DECISIONS) {
      assert.match(HTML, new RegExp(`<button [^>]*data-decision="${decision}" disabled>`));
    }
    for (const [label, input] of [["lower", "Lower"], ["upper", "Upper"]]) {
      assert.match(HTML, new RegExp(`<label for="${label}"[^>]*>${input}</label>`));
    }
  });

  test("the styles fetch nothing", () => {
    assert.doesNotMatch(ASSETS["/style.css"].body, /url\(|@import/);
  });
});

describe("the bundle", () => {
  test("imports no node: module, nor anything else, and evaluates no strings", () => {
    assert.doesNotMatch(BUNDLE, /["'`]node:/);
    assert.doesNotMatch(BUNDLE, /\bimport\b|\brequire\s*\(/);
    assert.doesNotMatch(BUNDLE, /\beval\s*\(|\bnew Function\b/);
  });

  test("is small: no framework", () => {
    assert.ok(BUNDLE.length < 60_000, `${BUNDLE.length} characters`);
  });
});

describe("parseRange", () => {
  test("takes integers of any size and sign, and leading zeros", () => {
    assert.deepEqual(parseRange("1", "100"), { ok: true, lower: 1n, upper: 100n });
    assert.deepEqual(parseRange(" -5 ", "+007"), { ok: true, lower: -5n, upper: 7n });
    assert.deepEqual(parseRange("3", "3"), { ok: true, lower: 3n, upper: 3n });
    const huge = "9".repeat(60);
    assert.deepEqual(parseRange(`-${huge}`, huge), {
      ok: true,
      lower: -BigInt(huge),
      upper: BigInt(huge),
    });
  });

  test("says what is wrong: a field that is not an integer, lower above upper, too long", () => {
    for (const text of ["", "abc", "1.5", "1e3", "1_000", "٣", "0x10"]) {
      assert.deepEqual(parseRange(text, "10"), {
        ok: false,
        problem: { kind: "not-integer", field: "lower" },
      }, text);
      assert.deepEqual(parseRange("1", text), {
        ok: false,
        problem: { kind: "not-integer", field: "upper" },
      }, text);
    }
    assert.deepEqual(parseRange("10", "3"), {
      ok: false,
      problem: { kind: "reversed", lower: 10n, upper: 3n },
    });
    assert.deepEqual(parseRange("1", "9".repeat(5000)), {
      ok: false,
      problem: { kind: "too-long" },
    });
  });
});

test("barSpan() places the filled part in the track, for small and huge ranges", () => {
  assert.deepEqual(barSpan(1n, 100n, 1n, 100n), { left: 0, width: 100 });
  assert.deepEqual(barSpan(1n, 100n, 51n, 75n), { left: 50, width: 25 });
  assert.deepEqual(barSpan(5n, 5n, 5n, 5n), { left: 0, width: 100 });
  const big = 10n ** 40n;
  assert.deepEqual(barSpan(-big, big - 1n, 0n, big - 1n), { left: 50, width: 50 });
  // One number of 2 * 10^40 + 1: a sliver (the styles give it a width), in the middle.
  const one = barSpan(-big, big, 0n, 0n);
  assert.ok(one.width === 0 && Math.abs(one.left - 50) < 0.001, JSON.stringify(one));
});

test("guessLimit() asks for one guess a number, at most 10,000", () => {
  assert.equal(guessLimit(1n, 100n), 100);
  assert.equal(guessLimit(-4n, -4n), 1);
  assert.equal(guessLimit(1n, 10n ** 30n), 10_000);
});

describe("the page's languages", () => {
  test("Korean where the browser's is, unless the switch chose", () => {
    assert.equal(pickLanguage(null, "ko-KR"), "ko");
    assert.equal(pickLanguage(null, "ko"), "ko");
    assert.equal(pickLanguage(undefined, "en-US"), "en");
    assert.equal(pickLanguage(null, "kok"), "en", "Konkani is not Korean");
    assert.equal(pickLanguage("en", "ko-KR"), "en");
    assert.equal(pickLanguage("ko", "de-DE"), "ko");
    assert.equal(pickLanguage("fr", "de-DE"), "en", "an unknown stored value is ignored");
  });

  test("the buttons say each dialect's words, and the keys are --play's", () => {
    assert.deepEqual(STRINGS.en.decision, DECISION_WORDS.en);
    assert.deepEqual(STRINGS.ko.decision, DECISION_WORDS.ko);
    assert.deepEqual(ANSWER_KEYS, { Warmer: "w", Colder: "c", Unsure: "u", Correct: "y" });
    assert.equal(STRINGS.ko.historyItem(5n, DECISION_WORDS.ko.Correct), "5는 맞음");
    assert.equal(STRINGS.en.won(7n, 1), "Found it: 7, in 1 guess.");
    assert.equal(STRINGS.ko.won(7n, 3), "찾았습니다: 7, 추측 3번.");
  });
});
