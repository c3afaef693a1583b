/**
 * What several test files share: running a program on the runtime the tests
 * run on, reading its output line by line, and finding the reference game.
 *
 * @module
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { decide } from "../protocol.ts";
import { RUNTIME } from "../_transport/detect.ts";

/** The repository's root. */
export const ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export { RUNTIME } from "../_transport/detect.ts";

/** The command line that runs a TypeScript file of the project on this runtime. */
export function runtimeCommand(file: string, args: string[] = []): [string, string[]] {
  const path = join(ROOT, file);
  if (RUNTIME === "deno") return [process.execPath, ["run", "--allow-net", path, ...args]];
  return [process.execPath, [path, ...args]];
}

/** The reference program, or why it cannot run here. */
export function reference(): { path: string; skip: false } | { path: undefined; skip: string } {
  const path = process.env.WARMER_COLDER_REFERENCE ??
    join(ROOT, "..", "shared", "reference", "reference_game.py");
  if (!existsSync(path)) return { path: undefined, skip: `the reference is absent: no ${path}` };
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
export function run(command: string, args: string[], timeout = 30_000): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], cwd: ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (text: string) => stdout += text);
    child.stderr!.setEncoding("utf8").on("data", (text: string) => stderr += text);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`${command} ${args.join(" ")} took over ${timeout} ms\n${stdout}\n${stderr}`),
      );
    }, timeout);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A child process as the tests need it, on any runtime. */
interface Child {
  onStdout(listener: (text: string) => void): void;
  onStderr(listener: (text: string) => void): void;
  kill(signal: "SIGTERM" | "SIGINT" | "SIGKILL"): void;
  readonly exited: Promise<number | null>;
  readonly running: boolean;
}

/**
 * Spawns with no standard input. On Deno through `Deno.Command`: its
 * `node:child_process` reports a child that exits 0 on SIGTERM as killed by
 * the signal, which would hide the exit code the tests check.
 */
function spawnChild(command: string, args: string[]): Child {
  if (RUNTIME === "deno") {
    const child = new Deno.Command(command, {
      args,
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const pump = (stream: ReadableStream<Uint8Array>, listeners: ((text: string) => void)[]) =>
      stream.pipeThrough(new TextDecoderStream()).pipeTo(
        new WritableStream({ write: (text) => listeners.forEach((listener) => listener(text)) }),
      );
    const out: ((text: string) => void)[] = [];
    const err: ((text: string) => void)[] = [];
    const pumped = Promise.all([pump(child.stdout, out), pump(child.stderr, err)]);
    let running = true;
    const exited = child.status.then(async (status) => {
      running = false;
      await pumped;
      return status.signal === null ? status.code : null;
    });
    return {
      onStdout: (listener) => out.push(listener),
      onStderr: (listener) => err.push(listener),
      kill: (signal) => running && child.kill(signal),
      exited,
      get running() {
        return running;
      },
    };
  }
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], cwd: ROOT });
  let running = true;
  const exited = new Promise<number | null>((resolve) =>
    child.on("close", (code) => {
      running = false;
      resolve(code);
    })
  );
  return {
    onStdout: (listener) => child.stdout!.setEncoding("utf8").on("data", listener),
    onStderr: (listener) => child.stderr!.setEncoding("utf8").on("data", listener),
    kill: (signal) => running && child.kill(signal),
    exited,
    get running() {
      return running;
    },
  };
}

/** A program left running, whose output is collected as lines. */
export class Running implements AsyncDisposable {
  readonly lines: string[] = [];
  stderr = "";
  readonly exited: Promise<number | null>;
  #child: Child;
  #waiters: (() => void)[] = [];

  constructor(command: string, args: string[]) {
    this.#child = spawnChild(command, args);
    let partial = "";
    const wake = () => {
      for (const resolve of this.#waiters.splice(0)) resolve();
    };
    this.#child.onStdout((text) => {
      const parts = (partial + text).split("\n");
      partial = parts.pop()!;
      this.lines.push(...parts);
      wake();
    });
    this.#child.onStderr((text) => this.stderr += text);
    this.exited = this.#child.exited.finally(wake);
  }

  /** Waits for a line matching `pattern`, within `timeout` ms. */
  async waitFor(pattern: RegExp, timeout = 20_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeout;
    while (true) {
      for (const line of this.lines) {
        const match = line.match(pattern);
        if (match) return match;
      }
      if (!this.#child.running || Date.now() > deadline) {
        throw new Error(
          `No line matching ${pattern}: ${JSON.stringify(this.lines)} ${this.stderr}`,
        );
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

  /** The port from a `listening on HOST:PORT` line. */
  async port(): Promise<number> {
    const match = await this.waitFor(/listening on [^\s]+:(\d+)/i);
    return Number(match[1]);
  }

  /** Stops the program with a signal and waits for its exit code (`null` if the signal killed it). */
  async stop(signal: "SIGTERM" | "SIGINT" = "SIGTERM"): Promise<number | null> {
    this.#child.kill(signal);
    return await this.exited;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#child.kill("SIGKILL");
    await this.exited;
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
