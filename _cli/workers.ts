/**
 * `server.ts --workers N`: more server processes on the same port, each a
 * copy of the program with `--reuse-port`, so every core serves games. Each
 * game lives in one connection, so nothing is shared between them.
 *
 * A worker behaves as the first process does, which passes on what it
 * resolved for itself:
 *
 * - the language: `--lang`, from `LANG` when it was not given;
 * - the colour: `--colour` (not in the usage) when the first process colours,
 *   since a worker's output reaches the terminal through a pipe to it;
 * - on Deno, its permissions: each one it has in full, and for the network at
 *   least the address it listens on; and `--unstable-net`, for `reusePort`;
 * - on Deno, {@linkcode DENO_ENV} in the environment, unless the first
 *   process's environment sets those variables (then they pass on as set).
 *
 * The first process and its workers end together, whichever way:
 *
 * - SIGINT or SIGTERM to the first process: it sends each worker SIGTERM,
 *   and each shuts down as the first process does (its games get
 *   `ERROR shutting-down`), the first process exiting once all have.
 * - The first process gone, even by SIGKILL or a crash: a worker's standard
 *   input is a pipe from it, which the kernel closes when it ends; at the end
 *   of its input ({@linkcode onFirstProcessGone}) a worker shuts down as on
 *   SIGTERM. The same on Deno, Bun and Node, and on any Unix.
 * - A worker ending while the server runs: the first process says so on
 *   standard error, one line, and starts it again ({@linkcode WorkerGroup});
 *   after {@linkcode RESTART_LIMIT} restarts within
 *   {@linkcode RESTART_SECONDS} it gives up: it stops the server, exit code 1.
 *
 * A worker ignores SIGINT ({@linkcode onWorkerSignals}): Ctrl-C on a terminal
 * reaches every process at once, and a worker that stopped by itself would
 * look to the first process as if it had died.
 *
 * @module
 */

import {
  type Address,
  type Child,
  type ExitStatus,
  listening,
  scriptCommand,
  start,
} from "./child.ts";
import type { Messages } from "./messages.ts";
import { stdout } from "./output.ts";
import process from "node:process";
import { RUNTIME } from "../_transport/detect.ts";

/** How many times the workers may be started again within {@linkcode RESTART_SECONDS}. */
export const RESTART_LIMIT = 3;

/** The window of {@linkcode RESTART_LIMIT}, in seconds. */
export const RESTART_SECONDS = 60;

/**
 * The flag, not in the usage, that makes a program a worker: it stops at the
 * end of its standard input and ignores SIGINT.
 */
export const WORKER_FLAG = "--worker";

/** Deno's permissions, each of which `--allow-NAME` grants in full. */
const PERMISSIONS: readonly Deno.PermissionName[] = [
  "read",
  "write",
  "net",
  "env",
  "sys",
  "run",
  "ffi",
  // Deno 2 has it (--allow-import), its types not yet.
  "import" as Deno.PermissionName,
];

/** The `deno run` flags that give a worker the permissions this process has. */
function denoFlags(address: Address): string[] {
  const granted = PERMISSIONS.filter((name) =>
    Deno.permissions.querySync({ name }).state === "granted"
  );
  if (granted.length === PERMISSIONS.length) return ["--allow-all", "--unstable-net"];
  const flags = granted.map((name) => `--allow-${name}`);
  if (!granted.includes("net")) {
    const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
    flags.push(`--allow-net=${host}:${address.port}`);
  }
  return [...flags, "--unstable-net"];
}

/**
 * Starts one worker, a copy of this program with {@linkcode WORKER_FLAG}, and
 * waits until it listens. Its standard input is a pipe from this process,
 * never written to: it ends when this process does. Its output after its
 * `Listening` line goes to this process's standard output; its standard error
 * is this process's.
 *
 * @param args The worker's flags: this process's, as it resolved them.
 * @param address Where this process listens (on Deno, the worker may listen there).
 * @returns The worker, listening.
 * @throws {Error} when it cannot start or exits before it listens.
 */
export async function startWorker(args: string[], address: Address): Promise<Child> {
  const command = scriptCommand(new URL("../server.ts", import.meta.url), {
    args: [...args, WORKER_FLAG],
    denoFlags: RUNTIME === "deno" ? denoFlags(address) : [],
  });
  const child = await start({ ...command, stdin: "pipe", stderr: "inherit" });
  try {
    await listening(child, { rest: (text) => stdout.write(text) });
  } catch (error) {
    await child.stop("SIGKILL");
    throw new Error(`A worker did not start: ${(error as Error).message}`, { cause: error });
  }
  return child;
}

/** What a {@linkcode WorkerGroup} starts, and whom it tells what. */
export interface WorkerGroupOptions {
  /** The workers' flags: this process's, as it resolved them. */
  args: string[];
  /** Where this process listens. */
  address: Address;
  /** The language of the lines about workers that end. */
  messages: Messages;
  /** Writes one of those lines (without its newline) to standard error. */
  warn(line: string): void;
  /**
   * Called with every process's id, this one's first, once a worker was
   * started again after {@linkcode WorkerGroup.start} returned.
   */
  onRestart(pids: number[]): void;
  /**
   * Called once when the group gives up on a worker (it cannot be started
   * again, or has been too often): the server should stop and exit 1.
   */
  onFailure(): void;
}

/**
 * The workers of the first process: it starts them, stops them, and starts
 * again one that ends while the server runs, telling `warn` at once. After
 * {@linkcode RESTART_LIMIT} restarts within {@linkcode RESTART_SECONDS} (of
 * all the workers together), or when a worker cannot be started again, it
 * calls `onFailure` instead: a worker that keeps dying (a bug a client can
 * trigger, memory run out) is for a supervisor to see, not to be hidden.
 */
export class WorkerGroup {
  #options: WorkerGroupOptions;
  /** Worker n is at n - 1; one that ended stays until its restart listens. */
  #workers: Child[] = [];
  #started = false;
  #stopping = false;
  #failed = false;
  /** When each restart within the last {@linkcode RESTART_SECONDS} was. */
  #restarts: number[] = [];
  /** The workers' exits and restarts still to come. */
  #pending = new Set<Promise<void>>();

  /**
   * A group with no worker yet: {@linkcode WorkerGroup.start} starts them.
   *
   * @param options The workers' flags and address, and whom to tell what.
   */
  constructor(options: WorkerGroupOptions) {
    this.#options = options;
  }

  /** This process's id, then each worker's. */
  get pids(): number[] {
    return [process.pid, ...this.#workers.map((child) => child.pid)];
  }

  /** Whether it gave up on a worker (then the server exits 1). */
  get failed(): boolean {
    return this.#failed;
  }

  /**
   * Starts `count` workers, one after the other, each once the one before
   * listens; fewer when {@linkcode WorkerGroup.stop} is called meanwhile.
   *
   * @param count How many.
   * @throws {Error} when one does not start: stop the others then.
   */
  async start(count: number): Promise<void> {
    for (let worker = 1; worker <= count && !this.#stopping; worker++) await this.#launch(worker);
    this.#started = true;
  }

  /**
   * Sends each worker SIGTERM, and from now on lets them end: a worker still
   * starting gets it once it listens.
   */
  stop(): void {
    this.#stopping = true;
    for (const child of this.#workers) child.kill("SIGTERM");
  }

  /** Settles once every worker has exited and no restart is under way. */
  async finished(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  async #launch(worker: number): Promise<void> {
    const child = await startWorker(this.#options.args, this.#options.address);
    this.#workers[worker - 1] = child;
    if (this.#stopping) child.kill("SIGTERM");
    this.#track(child.status.then((status) => this.#ended(worker, child, status)));
  }

  #track(promise: Promise<void>): void {
    this.#pending.add(promise);
    const done = () => void this.#pending.delete(promise);
    promise.then(done, done);
  }

  #ended(worker: number, child: Child, status: ExitStatus): void {
    if (this.#stopping) return;
    const { messages, warn } = this.#options;
    const end = { worker, pid: child.pid, status };
    const now = Date.now();
    this.#restarts = this.#restarts.filter((time) => now - time < RESTART_SECONDS * 1000);
    if (this.#restarts.length >= RESTART_LIMIT) {
      warn(messages.workerGivenUp(end, RESTART_LIMIT, RESTART_SECONDS));
      return this.#fail();
    }
    this.#restarts.push(now);
    warn(messages.workerRestarting(end, this.#restarts.length, RESTART_LIMIT, RESTART_SECONDS));
    this.#track(
      this.#launch(worker).then(
        () => {
          if (this.#started && !this.#stopping) this.#options.onRestart(this.pids);
        },
        (error: Error) => {
          if (this.#stopping) return;
          // startWorker's "A worker did not start: " is said by the message.
          const reason = error.cause instanceof Error ? error.cause : error;
          warn(messages.workerNotRestarted(worker, reason.message));
          this.#fail();
        },
      ),
    );
  }

  #fail(): void {
    this.#failed = true;
    this.#options.onFailure();
  }
}

/**
 * In a worker: calls `listener` once when the first process is gone, however
 * it went (SIGKILL and crashes too): at the end of this process's standard
 * input, the pipe from it that {@linkcode startWorker} made, which the kernel
 * closes when the first process ends. Nothing is ever sent on it.
 *
 * @param listener Shuts the worker down.
 * @returns A function that stops watching, so that the process can exit.
 */
export function onFirstProcessGone(listener: () => void): () => void {
  const stdin = process.stdin;
  let watching = true;
  const unwatch = () => {
    if (!watching) return;
    watching = false;
    stdin.off("end", gone).off("close", gone).off("error", gone);
    // Paused first: on Deno, a pipe destroyed while it reads keeps the process alive.
    stdin.pause();
    stdin.destroy();
  };
  const gone = () => {
    if (!watching) return;
    unwatch();
    listener();
  };
  stdin.on("end", gone).on("close", gone).on("error", gone);
  stdin.on("data", () => {}); // reading is what shows the end
  return unwatch;
}

/**
 * In a worker: calls `listener` on SIGTERM, which the first process sends to
 * stop it, and ignores SIGINT. Ctrl-C on a terminal sends SIGINT to every
 * process at once: the first process then stops the workers, and a worker
 * that stopped by itself first would look to it as if it had died.
 *
 * @param listener Shuts the worker down.
 * @returns A function that removes the listeners.
 */
export function onWorkerSignals(listener: () => void): () => void {
  const ignore = () => {};
  process.on("SIGINT", ignore);
  process.on("SIGTERM", listener);
  return () => {
    process.off("SIGINT", ignore);
    process.off("SIGTERM", listener);
  };
}
