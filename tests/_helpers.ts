/**
 * What several test files share: running a program on the runtime the tests
 * run on, reading its output line by line, and finding the reference game.
 *
 * @module
 */

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { decide } from "../protocol.ts";
import { type Address, type Child, parseListening, scriptCommand, start } from "../_cli/child.ts";

/** The repository's root. */
export const ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export { RUNTIME } from "../_transport/detect.ts";

/**
 * The command line that runs a TypeScript file of the project on this runtime
 * (`deno run` with `denoFlags`), with the environment it needs (`DENO_ENV` on
 * Deno) set by `env` in front of it.
 */
export function runtimeCommand(
  file: string,
  args: string[] = [],
  denoFlags: string[] = ["--allow-net"],
): [string, string[]] {
  const command = scriptCommand(join(ROOT, file), { args, denoFlags });
  const env = Object.entries(command.env ?? {}).flatMap(([name, value]) =>
    value === undefined ? ["-u", name] : [`${name}=${value}`]
  );
  const full = [...command.args ?? []];
  return env.length === 0 ? [command.command, full] : ["env", [...env, command.command, ...full]];
}

/** The reference programs: the original, and the Korean notes' version of it. */
const REFERENCES = {
  en: { file: "reference_game.py", variable: "WARMER_COLDER_REFERENCE", what: "the reference" },
  ko: {
    file: "reference_game_ko.py",
    variable: "WARMER_COLDER_REFERENCE_KO",
    what: "the Korean reference",
  },
} as const;

/**
 * A reference program (the original, or with `ko` the Korean notes'), or why
 * it cannot run here. Its path is the environment variable's, else the
 * file in `../shared/reference/`.
 */
export function reference(
  which: keyof typeof REFERENCES = "en",
): { path: string; skip: false } | { path: undefined; skip: string } {
  const { file, variable, what } = REFERENCES[which];
  const path = process.env[variable] ?? join(ROOT, "..", "shared", "reference", file);
  if (!existsSync(path)) return { path: undefined, skip: `${what} is absent: no ${path}` };
  return { path, skip: false };
}

/**
 * A test's name, with the reason it is skipped when it is: Deno and Bun print
 * a skipped test's name but not the reason given in `skip`.
 */
export function titled(name: string, skip: string | false): string {
  return skip ? `${name} [skipped: ${skip}]` : name;
}

/** Whether python3 runs, checked once. */
let python: Promise<string | false> | undefined;
export function pythonSkip(): Promise<string | false> {
  python ??= run("python3", ["--version"], 10_000).then(
    (result) => result.code === 0 ? false : "python3 does not run here",
    () => "python3 is absent",
  );
  return python;
}

/** A finished program: its exit code and its output. */
export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end, with no standard input, within `timeout` ms. */
export async function run(command: string, args: string[], timeout = 30_000): Promise<Finished> {
  const child = await start({ command, args, cwd: ROOT });
  let stdout = "";
  let stderr = "";
  child.onStdout((text) => stdout += text);
  child.onStderr((text) => stderr += text);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`${command} ${args.join(" ")} took over ${timeout} ms\n${stdout}\n${stderr}`),
      );
    }, timeout);
  });
  try {
    const code = await Promise.race([child.exited, late]);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** A program left running, its standard output collected as lines, its standard error as text. */
export class Running implements AsyncDisposable {
  readonly lines: string[] = [];
  stderr = "";
  /** Its exit code, or `null` if a signal killed it; rejects if it could not start. */
  readonly exited: Promise<number | null>;
  #child: Promise<Child>;
  #running = true;
  #waiters: (() => void)[] = [];

  /**
   * Starts `command` with no standard input, in the repository's root, with
   * `env` over this process's environment (`undefined`: left out).
   */
  constructor(command: string, args: string[], env: Record<string, string | undefined> = {}) {
    const wake = () => {
      for (const resolve of this.#waiters.splice(0)) resolve();
    };
    this.#child = start({ command, args, env, cwd: ROOT });
    this.#child.then((child) => {
      let partial = "";
      child.onStdout((text) => {
        const parts = (partial + text).split("\n");
        partial = parts.pop()!;
        this.lines.push(...parts.map((line) => line.replace(/\r$/, "")));
        wake();
      });
      child.onStderr((text) => this.stderr += text);
    }, () => {});
    this.exited = this.#child.then((child) => child.exited).finally(() => {
      this.#running = false;
      wake();
    });
    this.exited.catch(() => {}); // rejected: waitFor and stop say so
  }

  /** Its process id. */
  async pid(): Promise<number> {
    return (await this.#child).pid;
  }

  /** Waits for a line matching `pattern`, within `timeout` ms. */
  async waitFor(pattern: RegExp, timeout = 20_000): Promise<RegExpMatchArray> {
    let match: RegExpMatchArray | null = null;
    await this.until(() => this.lines.some((line) => (match = line.match(pattern)) !== null), {
      timeout,
      what: `a line matching ${pattern}`,
    });
    return match!;
  }

  /** Waits until `done()` holds, checked after each line, within `timeout` ms. */
  async until(
    done: () => boolean,
    { timeout = 20_000, what = "the condition" }: { timeout?: number; what?: string } = {},
  ): Promise<void> {
    const deadline = Date.now() + timeout;
    while (!done()) {
      if (!this.#running || Date.now() > deadline) {
        await this.#child; // throws if it could not start
        throw new Error(`No ${what}: ${JSON.stringify(this.lines)} ${this.stderr}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The port from its `Listening on HOST:PORT` line. */
  async port(): Promise<number> {
    let address: Address | undefined;
    await this.until(
      () => this.lines.some((line) => (address = parseListening(line)) !== undefined),
      { what: "'Listening on HOST:PORT' line" },
    );
    return address!.port;
  }

  /** Stops it with a signal and waits for its exit code (`null` if the signal killed it). */
  async stop(signal: "SIGTERM" | "SIGINT" = "SIGTERM"): Promise<number | null> {
    return await (await this.#child).stop(signal);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await (await this.#child)[Symbol.asyncDispose]();
    } catch { /* it never started */ }
  }
}

/** The reference's demo games: range and secret. */
export const DEMO: readonly (readonly [bigint, bigint, bigint])[] = [[1n, 5n, 3n], [10n, 15n, 12n]];

/**
 * Checks a demo client's output line by line against the protocol: the two
 * banners, then `Client: N is Decision` lines that are, game by game, in
 * range, distinct, decided by the rule, and ended by `Correct` or by the
 * fifth guess. Returns the guess lines.
 */
export function checkDemoOutput(stdout: string): string[] {
  const lines = stdout.trimEnd().split("\n");
  assert.deepEqual(lines.slice(0, 2), [
    "Guess a number between 1 and 5! Shhhhh, it's 3.",
    "Guess a number between 10 and 15! Shhhhh, it's 12.",
  ], stdout);
  const guesses = lines.slice(2);
  let index = 0;
  for (const [lower, upper, secret] of DEMO) {
    const seen = new Set<bigint>();
    let previous: bigint | undefined;
    for (let count = 0; count < 5; count++) {
      const match = guesses[index]?.match(/^Client: (-?\d+) is (Warmer|Colder|Unsure|Correct)$/);
      assert.ok(match, `line ${index + 3}: ${JSON.stringify(guesses[index])} in\n${stdout}`);
      index++;
      const n = BigInt(match[1]);
      assert.ok(n >= lower && n <= upper, `${n} outside ${lower}..${upper}`);
      assert.ok(!seen.has(n), `${n} guessed twice`);
      seen.add(n);
      const outcome = decide(secret, n, previous);
      assert.equal(match[2], outcome.decision, `${n} with secret ${secret}`);
      previous = outcome.distance;
      if (outcome.decision === "Correct") break;
    }
  }
  assert.equal(index, guesses.length, `extra lines: ${JSON.stringify(guesses.slice(index))}`);
  return guesses;
}

/** The `Server: N is Decision` lines of a server's output, as the client's `Client: ...` lines. */
export function serverReports(lines: readonly string[]): string[] {
  return lines.filter((line) => line.startsWith("Server: ")).map((line) =>
    line.replace(/^Server: /, "Client: ")
  );
}
