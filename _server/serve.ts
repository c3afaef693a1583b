/**
 * `serve()` and `serveConnection()`: a listener that opens a connection per
 * socket, sweeps idle ones, and shuts down gracefully.
 *
 * @module
 */

import { Connection, type ConnectionContext } from "./connection.ts";
import type { GameServerOptions, ServeOptions, Server, TlsServerOptions } from "./options.ts";
import { type Decision, formatError } from "../protocol.ts";
import { NUMBER_STRATEGIES, STRATEGIES, strategyNames } from "../_strategy/mod.ts";
import { getRuntime, getWebRuntime } from "../_transport/detect.ts";
import { isPem } from "../_transport/tls.ts";
import type { Listener, Open, Socket } from "../_transport/types.ts";
import { MessageSocket } from "../_web/socket.ts";
import { Turns } from "../_transport/turns.ts";
import { router } from "../_web/http.ts";
import { ASSETS } from "../_web/assets.ts";
import { type Duplex, streamsToSocket } from "../_transport/streams.ts";
import { checkInteger, MAX_DELAY } from "../_util/limits.ts";

function check(name: string, value: number, min: number, max?: number): number {
  return checkInteger("Cannot serve", name, value, min, max);
}

/** The origins, each `scheme://host[:port]`; a clear error if one is not. */
function checkOrigins(origins: readonly string[]): string[] {
  return origins.map((origin) => {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch { /* refused below */ }
    if (
      url === undefined || url.origin === "null" ||
      url.origin !== origin.replace(/\/+$/, "").toLowerCase()
    ) {
      throw new TypeError(
        `Cannot serve: web.origins wants origins such as "https://example.com", got ${
          JSON.stringify(origin)
        }`,
      );
    }
    return url.origin;
  });
}

/** The certificate and key, if each is PEM text; a clear error if not. */
function checkPem(tls: TlsServerOptions): TlsServerOptions {
  for (const name of ["cert", "key"] as const) {
    if (!isPem(tls[name])) {
      throw new TypeError(`Cannot serve: tls.${name} must be PEM text ("-----BEGIN ...")`);
    }
  }
  return { cert: tls.cert, key: tls.key };
}

/**
 * `print`, except that a line it cannot write is lost, not a game: a report
 * is written while a connection's line is handled, where a throw ends that
 * connection with `ERROR internal`. For the default `console.log` and
 * `console.error`: Deno's threw BrokenPipe once their stream's reader had
 * gone (denoland/deno#21970), until they learned to drop the line (#31844).
 */
function lossy(print: (line: string) => void): (line: string) => void {
  return (line) => {
    try {
      print(line);
    } catch { /* the line is lost; the games go on */ }
  };
}

/** The settings every connection of a server shares. */
class Context implements ConnectionContext {
  readonly game: ConnectionContext["game"];
  readonly maxLineBytes: number;
  readonly decoder: TextDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  readonly connections: Set<Connection> = new Set();
  now: number = performance.now();
  readonly fault: (error: unknown) => void;
  #waiting: (() => void)[] = [];

  constructor(options: GameServerOptions) {
    const strategy = options.strategy ?? "random";
    if (!Object.hasOwn(STRATEGIES, strategy)) {
      throw new TypeError(
        `Cannot serve: unknown strategy ${JSON.stringify(strategy)}, expected one of ${
          strategyNames.join(", ")
        }`,
      );
    }
    const log = options.log ?? lossy(console.log);
    this.game = {
      strategy: STRATEGIES[strategy],
      numbers: NUMBER_STRATEGIES[strategy],
      random: options.random ?? Math.random,
      report: options.quiet ? undefined : options.onReport ??
        ((guess: bigint, decision: Decision) => log(`Server: ${guess} is ${decision}`)),
    };
    this.maxLineBytes = check("maxLineBytes", options.maxLineBytes ?? 4096, 1);
    const warn = lossy(console.error);
    this.fault = options.onError ?? ((error: unknown) =>
      warn(
        `Server: internal error, one connection closed: ${
          error instanceof Error ? error.message : String(error)
        }`,
      ));
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
  readonly web: { readonly hostname: string; readonly port: number } | undefined;
  #context: Context;
  #listeners: Listener[];
  #shutdownTimeout: number;
  #sweeper: ReturnType<typeof setInterval> | undefined;
  #interval: number;
  #stopSignal: () => void;
  #closing: Promise<void> | undefined;
  #finish!: () => void;

  constructor(
    context: Context,
    listener: Listener,
    web: Listener | undefined,
    options: { idleTimeout: number; shutdownTimeout: number; signal?: AbortSignal },
  ) {
    this.#context = context;
    this.#listeners = web ? [listener, web] : [listener];
    this.#shutdownTimeout = options.shutdownTimeout;
    this.addr = { hostname: listener.hostname, port: listener.port };
    this.web = web && { hostname: web.hostname, port: web.port };
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
    for (const listener of this.#listeners) listener.close();
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
  const idleTimeout = check("idleTimeout", options.idleTimeout ?? 300_000, 0, MAX_DELAY);
  const shutdownTimeout = check("shutdownTimeout", options.shutdownTimeout ?? 5_000, 0, MAX_DELAY);
  const port = check("port", options.port ?? 4321, 0);
  const handshakeTimeout = check(
    "handshakeTimeout",
    options.handshakeTimeout ?? 10_000,
    0,
    MAX_DELAY,
  );
  const tls = options.tls && { ...checkPem(options.tls), handshakeTimeout };
  const highWaterMark = check("maxPendingBytes", options.maxPendingBytes ?? 65_536, 1);
  const web = options.web && {
    port: check("web.port", options.web.port ?? 8080, 0),
    origins: checkOrigins(options.web.origins ?? []),
  };
  options.signal?.throwIfAborted();
  const hostname = options.hostname ?? "127.0.0.1";
  const reusePort = options.reusePort ?? false;
  // TCP and WebSocket connections are opened alike, and counted together.
  const open: Open = (socket) => {
    if (context.connections.size >= maxConnections) {
      socket.write(formatError("busy", `Too many connections (${maxConnections})`) + "\n");
      socket.end();
      return { data() {}, drain() {}, end() {}, close() {} };
    }
    return context.open(socket);
  };
  const runtime = await getRuntime();
  const listener = await runtime.listen({ hostname, port, reusePort, highWaterMark, tls }, open);
  let webListener: Listener | undefined;
  if (web) {
    try {
      const route = router(ASSETS, web.origins, tls !== undefined);
      const webRuntime = await getWebRuntime();
      const turns = new Turns(webRuntime.later);
      webListener = await webRuntime.listenWeb({
        hostname,
        port: web.port,
        reusePort,
        tls: tls && { cert: tls.cert, key: tls.key },
        requestTimeout: handshakeTimeout || 10_000,
        // A longer message is refused by the runtime, before it is read whole.
        maxMessageBytes: context.maxLineBytes + 1024,
      }, {
        request: route,
        open: (peer) => new MessageSocket(peer, open, highWaterMark, turns),
      });
    } catch (error) {
      listener.close();
      throw error;
    }
  }
  return new GameServer(context, listener, webListener, {
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
