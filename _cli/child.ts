/**
 * Starting programs, on Deno, Bun or Node: the one place that does it, for
 * the workers of `server.ts --workers`, the demo, the tests and the
 * benchmark. {@linkcode start} runs a program and reads its output as text,
 * {@linkcode listening} waits for its `Listening on HOST:PORT` line, and
 * {@linkcode scriptCommand} is the command line that runs one of the
 * project's files on a runtime, with {@linkcode DENO_ENV} on Deno.
 *
 * On Deno this uses `Deno.Command`: Deno's `node:child_process` reports a
 * child that handles SIGTERM and exits 0 as killed by the signal.
 *
 * @example Start a server on a free port, read its port, stop it
 * ```ts ignore
 * const server = await start(scriptCommand("server.ts", { args: ["--port", "0"] }));
 * server.onStderr((text) => console.error(text));
 * const { port } = await listening(server, { rest: (text) => console.log(text) });
 * // ... play against port ...
 * await server.stop("SIGTERM"); // 0: it stopped cleanly
 * ```
 *
 * @module
 */

import { spawn } from "node:child_process";
import process from "node:process";
import { type Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { RUNTIME } from "../_transport/detect.ts";

/**
 * The environment Deno needs when it starts to serve many connections
 * fairly. Deno's op driver serves at most about 128 I/O events per poll and
 * serves newly ready sockets before the ones it deferred, so at 1000
 * connections some starve (p99 189-428 ms); 64 per tick keeps p99 at 16-20 ms
 * with no loss at 50. It must be in the environment as the process starts:
 * `--env-file` comes too late.
 */
export const DENO_ENV: Readonly<Record<string, string>> = Object.freeze({
  DENO_TOKIO_MAX_IO_EVENTS_PER_TICK: "64",
});

/** {@linkcode DENO_ENV} as a shell's assignments: `NAME=value`, space-separated. */
export const DENO_ENV_ASSIGNMENTS: string = Object.entries(DENO_ENV)
  .map(([name, value]) => `${name}=${value}`).join(" ");

/** A command line, and how its environment differs from this process's. */
export interface Command {
  /** The program: a path, or a name found on `PATH`. */
  command: string;
  /** Its arguments. @default [] */
  args?: readonly string[];
  /**
   * Variables set over this process's environment; one set to `undefined` is
   * left out (on Deno that needs `--allow-env`, to copy the rest). @default {}
   */
  env?: Readonly<Record<string, string | undefined>>;
}

/** What {@linkcode scriptCommand} runs, and how. */
export interface ScriptOptions {
  /** The runtime to run the file on. @default RUNTIME, the one running this code */
  runtime?: "deno" | "bun" | "node";
  /**
   * The runtime's executable.
   * @default process.execPath on the runtime running this code, else the runtime's name
   */
  executable?: string;
  /** Flags for `deno run`, before the file: its permissions. @default ["--allow-net"] */
  denoFlags?: readonly string[];
  /** The file's own arguments. @default [] */
  args?: readonly string[];
}

/**
 * The command that runs a TypeScript file on a runtime: `deno run FLAGS
 * FILE ARGS` with {@linkcode DENO_ENV} (unless this process's environment
 * already sets those variables: its values then pass on), or `bun FILE ARGS`,
 * or `node FILE ARGS`.
 *
 * @param file The file: a path, or a `file:` or remote URL.
 * @param options The runtime, its executable, Deno's flags and the arguments.
 * @returns The command, for {@linkcode start}.
 */
export function scriptCommand(file: string | URL, options: ScriptOptions = {}): Command {
  const runtime = options.runtime ?? RUNTIME;
  const command = options.executable ?? (runtime === RUNTIME ? process.execPath : runtime);
  const path = file instanceof URL
    ? (file.protocol === "file:" ? fileURLToPath(file) : file.href)
    : file;
  const args = options.args ?? [];
  if (runtime !== "deno") return { command, args: [path, ...args], env: {} };
  const flags = options.denoFlags ?? ["--allow-net"];
  return { command, args: ["run", ...flags, path, ...args], env: unsetOf(DENO_ENV) };
}

/**
 * The variables of `env` that this process's environment does not set. On
 * Deno a variable it may not read counts as unset (asking would prompt).
 */
function unsetOf(env: Readonly<Record<string, string>>): Record<string, string> {
  const readable = (variable: string) =>
    RUNTIME !== "deno" || Deno.permissions.querySync({ name: "env", variable }).state === "granted";
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => !readable(name) || process.env[name] === undefined),
  );
}

/** What {@linkcode start} starts, and where its standard streams go. */
export interface StartOptions extends Command {
  /** Its working directory. @default this process's */
  cwd?: string;
  /** `"pipe"`: write to {@linkcode Child.stdin}. @default "ignore" */
  stdin?: "pipe" | "ignore";
  /** `"pipe"`: read with {@linkcode Child.onStdout}. @default "pipe" */
  stdout?: "pipe" | "inherit" | "ignore";
  /** `"pipe"`: read with {@linkcode Child.onStderr}. @default "pipe" */
  stderr?: "pipe" | "inherit" | "ignore";
}

/** A signal to stop a program with. */
export type Signal = "SIGTERM" | "SIGINT" | "SIGKILL";

/** How a program ended: its exit code, or else the signal that ended it. */
export interface ExitStatus {
  /** Its exit code, or `null` when a signal ended it. */
  code: number | null;
  /** The signal that ended it (`"SIGKILL"`, `"SIGSEGV"`...), or `null` when it exited. */
  signal: string | null;
}

/**
 * A running program. `await using` kills it (SIGKILL) and waits for it to
 * exit, not for its output: a process it started may hold that open.
 */
export interface Child extends AsyncDisposable {
  /** Its process id. */
  readonly pid: number;
  /**
   * Settles once it has exited and its piped output has been read: with its
   * exit code, or `null` when a signal ended it.
   */
  readonly exited: Promise<number | null>;
  /**
   * Settles as soon as it has exited, with how it ended; unlike
   * {@linkcode Child.exited}, not waiting for its piped output to be read.
   */
  readonly status: Promise<ExitStatus>;
  /** Whether it has not exited yet. */
  readonly running: boolean;
  /** Its standard input, with `stdin: "pipe"`. */
  readonly stdin: WritableStream<Uint8Array> | undefined;
  /**
   * Calls `listener` with its standard output, as text, as it comes. The
   * output is read from the first listener on: add them before awaiting
   * anything. What comes while it runs without a listener waits in the pipe;
   * what none has read when it exits is dropped.
   *
   * @throws {TypeError} when its standard output is not piped.
   */
  onStdout(listener: (text: string) => void): void;
  /** As {@linkcode Child.onStdout}, for its standard error. */
  onStderr(listener: (text: string) => void): void;
  /**
   * Closes this end of its standard output's pipe, as a reader that goes
   * away does (`program | head -1`): what it writes next fails (EPIPE), and
   * its listeners hear no more. Nothing when it is not piped.
   */
  closeStdout(): void;
  /** As {@linkcode Child.closeStdout}, for its standard error. */
  closeStderr(): void;
  /** Sends it a signal; nothing once it has exited. */
  kill(signal?: Signal): void;
  /**
   * Sends it a signal and waits for it to exit.
   *
   * @param signal The signal. @default "SIGTERM"
   * @param options `timeout`: after this many milliseconds, SIGKILL. @default no timeout
   * @returns Its exit code, or `null` when a signal ended it.
   */
  stop(signal?: Signal, options?: { timeout?: number }): Promise<number | null>;
}

/** A pipe from a program, as each runtime's spawn gives it. */
interface Pipe {
  /** Starts reading it (called once): its chunks, to the end. */
  chunks(): AsyncIterator<Uint8Array>;
  /** Closes this end of it, whether or not it is being read. */
  close(): void;
}

/** A pipe over a web stream (Deno's): closed by cancelling it, even mid-read. */
function webPipe(stream: ReadableStream<Uint8Array>): Pipe {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return {
    chunks() {
      const own = reader = stream.getReader();
      return { next: () => own.read() as Promise<IteratorResult<Uint8Array>> };
    },
    close: () => void (reader ?? stream).cancel().catch(() => {}),
  };
}

/** A pipe over a Node stream (Node's and Bun's): closed by destroying it. */
function nodePipe(stream: Readable): Pipe {
  return { chunks: () => stream[Symbol.asyncIterator](), close: () => stream.destroy() };
}

/** A piped output stream, read once something listens to it. */
class Output {
  #source: Pipe | null;
  #listeners: ((text: string) => void)[] = [];
  #read: Promise<void> | undefined;
  #closed = false;

  constructor(source: Pipe | null) {
    this.#source = source;
  }

  listen(listener: (text: string) => void, name: string): void {
    if (this.#source === null) throw new TypeError(`Cannot read ${name}: it is not piped`);
    this.#listeners.push(listener);
    this.drain();
  }

  /** Closes the pipe: no more is read or heard. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#source?.close();
  }

  /** Reads to the end, giving the text to the listeners; settles at the end. */
  drain(): Promise<void> {
    this.#read ??= this.#pump();
    return this.#read;
  }

  async #pump(): Promise<void> {
    if (this.#source === null || this.#closed) return;
    const decoder = new TextDecoder();
    const emit = (text: string) => {
      if (text === "" || this.#closed) return;
      for (const listener of this.#listeners) listener(text);
    };
    const chunks = this.#source.chunks();
    while (true) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await chunks.next();
      } catch {
        break; // the pipe broke, or was closed: the output ends here
      }
      if (next.done) break;
      emit(decoder.decode(next.value, { stream: true }));
    }
    emit(decoder.decode());
  }
}

/** What each runtime's spawn gives back, for {@linkcode start} to wrap. */
interface Spawned {
  pid: number;
  status: Promise<ExitStatus>;
  stdin: WritableStream<Uint8Array> | undefined;
  stdout: Pipe | null;
  stderr: Pipe | null;
  kill(signal: Signal): void;
}

/** `env` without the variables set to `undefined`. */
function defined(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

function spawnDeno(options: StartOptions): Spawned {
  const stdio = (mode: "pipe" | "inherit" | "ignore") =>
    mode === "pipe" ? "piped" : mode === "ignore" ? "null" : "inherit";
  // Deno.Command adds env to this process's environment, and can only leave
  // a variable out by starting from an empty one.
  const env = options.env ?? {};
  const unset = Object.values(env).includes(undefined);
  const child = new Deno.Command(options.command, {
    args: [...options.args ?? []],
    env: defined(unset ? { ...Deno.env.toObject(), ...env } : env),
    clearEnv: unset,
    cwd: options.cwd,
    stdin: stdio(options.stdin ?? "ignore"),
    stdout: stdio(options.stdout ?? "pipe"),
    stderr: stdio(options.stderr ?? "pipe"),
  }).spawn();
  const piped = (mode: string | undefined, stream: () => ReadableStream<Uint8Array>) =>
    (mode ?? "pipe") === "pipe" ? webPipe(stream()) : null;
  return {
    pid: child.pid,
    status: child.status.then((status) =>
      status.signal === null
        ? { code: status.code, signal: null }
        : { code: null, signal: status.signal }
    ),
    stdin: options.stdin === "pipe" ? child.stdin : undefined,
    stdout: piped(options.stdout, () => child.stdout),
    stderr: piped(options.stderr, () => child.stderr),
    kill: (signal) => child.kill(signal),
  };
}

function spawnNode(options: StartOptions): Promise<Spawned> {
  const child = spawn(options.command, [...options.args ?? []], {
    cwd: options.cwd,
    env: defined({ ...process.env, ...options.env }),
    stdio: [options.stdin ?? "ignore", options.stdout ?? "pipe", options.stderr ?? "pipe"],
  });
  const status = new Promise<ExitStatus>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal }))
  );
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("spawn", () => {
      child.off("error", reject);
      child.on("error", () => {}); // a failed kill: the exit says the rest
      resolve({
        pid: child.pid!,
        status,
        stdin: child.stdin ? Writable.toWeb(child.stdin) as WritableStream<Uint8Array> : undefined,
        stdout: child.stdout && nodePipe(child.stdout),
        stderr: child.stderr && nodePipe(child.stderr),
        kill: (signal) => child.kill(signal),
      });
    });
  });
}

/**
 * Starts a program. Its standard input is closed unless `stdin: "pipe"`; its
 * output is piped to be read with {@linkcode Child.onStdout} and
 * {@linkcode Child.onStderr} unless sent elsewhere.
 *
 * @param options The command, its arguments and environment, and its streams.
 * @returns The running program, once it runs.
 * @throws {Error} when it cannot start (no such program, not executable).
 */
export async function start(options: StartOptions): Promise<Child> {
  const spawned = RUNTIME === "deno" ? spawnDeno(options) : await spawnNode(options);
  const stdout = new Output(spawned.stdout);
  const stderr = new Output(spawned.stderr);
  let running = true;
  const status = spawned.status.then((status) => {
    running = false;
    return status;
  });
  const exited = status.then(async ({ code }) => {
    await Promise.all([stdout.drain(), stderr.drain()]);
    return code;
  });
  const kill = (signal: Signal = "SIGTERM") => {
    if (!running) return;
    try {
      spawned.kill(signal);
    } catch { /* it exited meanwhile */ }
  };
  return {
    pid: spawned.pid,
    exited,
    status,
    get running() {
      return running;
    },
    stdin: spawned.stdin,
    onStdout: (listener) => stdout.listen(listener, "its standard output"),
    onStderr: (listener) => stderr.listen(listener, "its standard error"),
    closeStdout: () => stdout.close(),
    closeStderr: () => stderr.close(),
    kill,
    async stop(signal = "SIGTERM", { timeout } = {}) {
      kill(signal);
      const timer = timeout === undefined ? undefined : setTimeout(() => kill("SIGKILL"), timeout);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    async [Symbol.asyncDispose]() {
      kill("SIGKILL");
      await status;
    },
  };
}

/** Where a program listens. */
export interface Address {
  /** The host it printed. */
  hostname: string;
  /** The port it printed. */
  port: number;
}

/**
 * The address in a `Listening on HOST:PORT` line (any case: the Python
 * reference prints `listening on`), or `undefined` for another line.
 */
export function parseListening(line: string): Address | undefined {
  const match = /listening on (\S+):(\d+)/i.exec(line);
  return match ? { hostname: match[1], port: Number(match[2]) } : undefined;
}

/** How {@linkcode listening} waits. */
export interface ListeningOptions {
  /** Milliseconds to wait for the line. @default 20000 */
  timeout?: number;
  /** Stops the wait. */
  signal?: AbortSignal;
  /** Receives the standard output after the line, as it comes. @default dropped */
  rest?: (text: string) => void;
}

/**
 * Reads a program's standard output up to its `Listening on HOST:PORT` line.
 * What comes before the line is dropped; what comes after goes to `rest`.
 * The program is left running whatever happens: stop it on a failure.
 *
 * @param child The program, its standard output piped and not yet read.
 * @param options The timeout, a signal, and where the rest of the output goes.
 * @returns Where it listens.
 * @throws {Error} when it exits first; a `TimeoutError` when the timeout
 * passes first; the signal's reason when it aborts first.
 */
export function listening(child: Child, options: ListeningOptions = {}): Promise<Address> {
  const { timeout = 20_000, signal, rest } = options;
  return new Promise((resolve, reject) => {
    let state: "reading" | "listening" | "failed" = "reading";
    let head = "";
    const settle = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", aborted);
    };
    const fail = (error: unknown) => {
      if (state !== "reading") return;
      state = "failed";
      settle();
      reject(error);
    };
    const aborted = () => fail(signal!.reason);
    const timer = setTimeout(() => {
      fail(new DOMException(`No "Listening on" line within ${timeout} ms`, "TimeoutError"));
    }, timeout);
    if (signal?.aborted) return aborted();
    signal?.addEventListener("abort", aborted, { once: true });
    child.exited.then(
      (code) =>
        fail(
          new Error(`The program exited with ${code} before it printed "Listening on HOST:PORT"`),
        ),
      fail,
    );
    child.onStdout((text) => {
      if (state === "listening") return rest?.(text);
      if (state === "failed") return;
      head += text;
      for (let end = head.indexOf("\n"); end !== -1; end = head.indexOf("\n")) {
        const address = parseListening(head.slice(0, end));
        head = head.slice(end + 1);
        if (address === undefined) continue;
        state = "listening";
        settle();
        resolve(address);
        if (head !== "") rest?.(head);
        return;
      }
    });
  });
}
