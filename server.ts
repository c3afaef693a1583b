/**
 * The warmer-colder server: it guesses, the client answers. Each connection
 * has its own game; many connections play at once.
 *
 * Run it as a program on any of the three runtimes:
 *
 * ```sh
 * deno run --allow-net server.ts --port 4321
 * bun server.ts --quiet
 * node server.ts --help
 * ```
 *
 * @example Serve on a free port, then stop
 * ```ts
 * import { serve } from "@warmer-colder/warmer-colder/server";
 * import assert from "node:assert/strict";
 *
 * await using server = await serve({ port: 0, quiet: true });
 * assert.ok(server.addr.port > 0);
 * ```
 *
 * @module
 */

import { Connection, type ConnectionContext } from "./_connection.ts";
import { type Decision, formatError } from "./protocol.ts";
import { STRATEGIES, type StrategyName } from "./_strategy/mod.ts";
import { getRuntime, type Listener, type Socket } from "./_transport/mod.ts";
import { type Duplex, streamsToSocket } from "./_transport/streams.ts";

export type { Duplex } from "./_transport/streams.ts";
export type { StrategyName } from "./_strategy/mod.ts";

/** Settings of a server's games and limits, for {@linkcode serve} and {@linkcode serveConnection}. */
export interface GameServerOptions {
  /**
   * How the server picks its guesses: `random` plays as the reference does;
   * `smart` narrows the candidates with every report and finds any number of
   * a range of N within W + 1 guesses (the largest W with 2^W <= 3N).
   *
   * @default {"random"}
   */
  strategy?: StrategyName;
  /**
   * A source of numbers in [0, 1), for the guesses.
   *
   * @default {Math.random}
   */
  random?: () => number;
  /**
   * No `Server: N is Decision` line for each report.
   *
   * @default {false}
   */
  quiet?: boolean;
  /**
   * Where the server's lines for people go.
   *
   * @default {console.log}
   */
  log?: (line: string) => void;
  /**
   * Called for each report in place of the `Server: N is Decision` line, to
   * show reports another way (another language, a tally). Not called when
   * `quiet` is set.
   */
  onReport?: (guess: bigint, decision: Decision) => void;
  /**
   * The most bytes a line may have, its terminator not counted. A longer line
   * is answered with `ERROR line-too-long` and the connection closed.
   *
   * @default {4096}
   */
  maxLineBytes?: number;
}

/** Options of {@linkcode serve}. */
export interface ServeOptions extends GameServerOptions {
  /**
   * The address to listen on.
   *
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * The port to listen on; 0 picks a free one (read it back from `addr`).
   *
   * @default {4321}
   */
  port?: number;
  /**
   * The most connections open at once. One more is answered with
   * `ERROR busy` and closed.
   *
   * @default {10000}
   */
  maxConnections?: number;
  /**
   * Milliseconds a connection may stay silent before it is sent
   * `ERROR idle` and closed; 0 for never.
   *
   * @default {300000}
   */
  idleTimeout?: number;
  /**
   * Milliseconds `close()` waits for connections to finish before cutting them.
   *
   * @default {5000}
   */
  shutdownTimeout?: number;
  /** Closes the server when aborted. */
  signal?: AbortSignal;
  /**
   * Bytes of replies that may wait to be written to a peer that does not read
   * them before the server stops reading from that peer, until they drain.
   *
   * @default {65536}
   */
  maxPendingBytes?: number;
  /**
   * Lets several processes listen on the same port, the kernel spreading
   * connections among them (Linux `SO_REUSEPORT`).
   *
   * @default {false}
   */
  reusePort?: boolean;
}

/** A listening server. */
export interface Server extends AsyncDisposable {
  /** The address it listens on, with the real port when 0 was asked for. */
  readonly addr: { readonly hostname: string; readonly port: number };
  /** Settles when the server has stopped and every connection is closed. */
  readonly finished: Promise<void>;
  /** How many connections are open. */
  readonly connections: number;
  /**
   * Stops accepting, answers what was already received, sends each open
   * connection `ERROR shutting-down`, and closes them; connections still open
   * after `shutdownTimeout` are cut. A second call returns the same promise.
   */
  close(): Promise<void>;
}

function check(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(
      `Cannot serve: ${name} must be an integer of at least ${min}, got ${value}`,
    );
  }
  return value;
}

/** The settings every connection of a server shares. */
class Context implements ConnectionContext {
  readonly game: ConnectionContext["game"];
  readonly maxLineBytes: number;
  readonly decoder: TextDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  readonly connections: Set<Connection> = new Set();
  now: number = performance.now();
  #waiting: (() => void)[] = [];

  constructor(options: GameServerOptions) {
    const strategy = options.strategy ?? "random";
    if (!Object.hasOwn(STRATEGIES, strategy)) {
      throw new TypeError(
        `Cannot serve: unknown strategy ${JSON.stringify(strategy)}, expected one of ${
          Object.keys(STRATEGIES).join(", ")
        }`,
      );
    }
    const log = options.log ?? console.log;
    this.game = {
      strategy: STRATEGIES[strategy],
      random: options.random ?? Math.random,
      report: options.quiet ? undefined : options.onReport ??
        ((guess: bigint, decision: Decision) => log(`Server: ${guess} is ${decision}`)),
    };
    this.maxLineBytes = check("maxLineBytes", options.maxLineBytes ?? 4096, 1);
  }

  open(socket: Socket): Connection {
    const connection = new Connection(socket, this);
    this.connections.add(connection);
    return connection;
  }

  closed(connection: Connection): void {
    this.connections.delete(connection);
    if (this.connections.size > 0) return;
    for (const resolve of this.#waiting.splice(0)) resolve();
  }

  /** Resolves once no connection is open. */
  emptied(): Promise<void> {
    if (this.connections.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
}

class GameServer implements Server {
  readonly addr: { readonly hostname: string; readonly port: number };
  readonly finished: Promise<void>;
  #context: Context;
  #listener: Listener;
  #shutdownTimeout: number;
  #sweeper: ReturnType<typeof setInterval> | undefined;
  #interval: number;
  #stopSignal: () => void;
  #closing: Promise<void> | undefined;
  #finish!: () => void;

  constructor(
    context: Context,
    listener: Listener,
    options: { idleTimeout: number; shutdownTimeout: number; signal?: AbortSignal },
  ) {
    this.#context = context;
    this.#listener = listener;
    this.#shutdownTimeout = options.shutdownTimeout;
    this.addr = { hostname: listener.hostname, port: listener.port };
    this.finished = new Promise((resolve) => this.#finish = resolve);
    const idle = options.idleTimeout;
    this.#interval = Math.max(10, Math.min(1000, idle / 4));
    if (idle > 0) this.#sweeper = setInterval(() => this.#sweep(idle), this.#interval);
    const onAbort = () => void this.close();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    this.#stopSignal = () => options.signal?.removeEventListener("abort", onAbort);
  }

  get connections(): number {
    return this.#context.connections.size;
  }

  #sweep(idle: number): void {
    const now = this.#context.now = performance.now();
    for (const connection of this.#context.connections) {
      // lastActive is the sweep's clock at the last chunk: up to one interval
      // old, so a connection is never cut early, at most one interval late.
      if (now - connection.lastActive > idle + this.#interval) {
        connection.closeWith("idle", `No line for ${idle} ms`);
      }
    }
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#listener.close();
    clearInterval(this.#sweeper);
    this.#stopSignal();
    const context = this.#context;
    for (const connection of context.connections) {
      connection.closeWith("shutting-down", "The server is shutting down");
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) =>
      timer = setTimeout(resolve, this.#shutdownTimeout)
    );
    await Promise.race([context.emptied(), deadline]);
    clearTimeout(timer);
    for (const connection of context.connections) connection.destroy();
    await context.emptied();
    this.#finish();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Starts a server listening for games.
 *
 * @param options Where to listen, how to guess, and the limits.
 * @returns The running server.
 * @throws {TypeError} for an unknown strategy. {@linkcode RangeError} for a limit out of range.
 *   The runtime's error when the address cannot be bound.
 *
 * @example A server on a free port, played by hand
 * ```ts
 * import { serve } from "@warmer-colder/warmer-colder/server";
 * import { connect } from "@warmer-colder/warmer-colder/client";
 * import assert from "node:assert/strict";
 *
 * await using server = await serve({ port: 0, quiet: true });
 * await using client = await connect({ port: server.addr.port });
 * await using game = await client.session(1, 5, 3);
 * for await (const n of game.requestNumbers(5)) {
 *   assert.ok(n >= 1n && n <= 5n);
 *   await game.reportOutcome(n);
 * }
 * ```
 */
export async function serve(options: ServeOptions = {}): Promise<Server> {
  const context = new Context(options);
  const maxConnections = check("maxConnections", options.maxConnections ?? 10_000, 1);
  const idleTimeout = check("idleTimeout", options.idleTimeout ?? 300_000, 0);
  const shutdownTimeout = check("shutdownTimeout", options.shutdownTimeout ?? 5_000, 0);
  const port = check("port", options.port ?? 4321, 0);
  options.signal?.throwIfAborted();
  const runtime = await getRuntime();
  const listener = await runtime.listen(
    {
      hostname: options.hostname ?? "127.0.0.1",
      port,
      reusePort: options.reusePort ?? false,
      highWaterMark: check("maxPendingBytes", options.maxPendingBytes ?? 65_536, 1),
    },
    (socket) => {
      if (context.connections.size >= maxConnections) {
        socket.write(formatError("busy", `Too many connections (${maxConnections})`) + "\n");
        socket.end();
        return { data() {}, drain() {}, end() {}, close() {} };
      }
      return context.open(socket);
    },
  );
  return new GameServer(context, listener, {
    idleTimeout,
    shutdownTimeout,
    signal: options.signal,
  });
}

/**
 * Serves one connection over any byte stream pair, such as in-memory
 * streams in a test, until the peer ends it.
 *
 * @param duplex The connection's streams.
 * @param options How to guess, and the line limit.
 * @returns A promise that settles when the connection has closed.
 *
 * @example A game over in-memory streams
 * ```ts
 * import { serveConnection } from "@warmer-colder/warmer-colder/server";
 * import assert from "node:assert/strict";
 *
 * const request = new TextEncoder().encode("PARAMS 7 7\nNUMBER\n");
 * const replies: string[] = [];
 * await serveConnection({
 *   readable: ReadableStream.from([request]),
 *   writable: new WritableStream({ write: (c) => void replies.push(new TextDecoder().decode(c)) }),
 * }, { quiet: true });
 * assert.equal(replies.join(""), "7\n");
 * ```
 */
export function serveConnection(duplex: Duplex, options: GameServerOptions = {}): Promise<void> {
  const context = new Context(options);
  streamsToSocket(duplex, (socket) => context.open(socket));
  return context.emptied();
}

// As a program. Not awaited at the top level: the program's module imports
// this one, which must finish loading first.
if (import.meta.main) {
  Promise.all([import("./_cli.ts"), import("./_server_cli.ts")])
    .then(([cli, program]) => cli.run("server.ts", program.main));
}
