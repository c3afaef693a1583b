/**
 * The client, on any byte stream pair: `connect()`, `Client` and the game
 * scope `GameSession`, as `client.ts` exports them.
 *
 * @module
 */

import {
  decide,
  type Decision,
  type Dialect,
  DIALECTS,
  ERROR_CODES,
  type ErrorCode,
  formatCommand,
  LineStream,
  parseReply,
  ProtocolError,
} from "../protocol.ts";
import { getRuntime } from "../_transport/detect.ts";
import { type Duplex, socketToStreams } from "../_transport/streams.ts";

import { checkInteger, MAX_DELAY } from "../_util/limits.ts";

/**
 * The connection ended, or failed, while the client was using it.
 *
 * @example
 * ```ts
 * import { ConnectionClosedError } from "@warmer-colder/warmer-colder/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new ConnectionClosedError("gone").name, "ConnectionClosedError");
 * ```
 */
export class ConnectionClosedError extends Error {
  /**
   * Makes the error.
   *
   * @param message What happened.
   * @param options The `cause`, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConnectionClosedError";
  }
}

/** Options of a {@linkcode Client}. */
export interface ClientOptions {
  /**
   * Milliseconds to wait for each reply (and, in {@linkcode connect}, for the
   * connection) before rejecting with a `TimeoutError`; 0 for no limit. At
   * most 2^31 - 1 (24.8 days).
   *
   * @default {30000}
   */
  timeout?: number;
  /** Aborts every wait: they reject with the signal's reason. */
  signal?: AbortSignal;
  /**
   * The most bytes a reply line may have.
   *
   * @default {4096}
   */
  maxLineBytes?: number;
  /**
   * The words the client sends for the decisions: `en` sends `Warmer`,
   * `Colder`, `Unsure`, `Correct`; `ko` the Korean notes' `더따뜻함`,
   * `더차가움`, `잘모르겠음`, `맞음`, for a server of those notes. Only the
   * wire changes: {@linkcode GameSession.reportOutcome} and
   * {@linkcode GameSession.report} still return and take the English
   * `Decision`.
   *
   * @default {"en"}
   */
  dialect?: Dialect;
}

/** Options of {@linkcode connect}. */
export interface ConnectOptions extends ClientOptions {
  /**
   * The server's host name or address.
   *
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * The server's port.
   *
   * @default {4321}
   */
  port?: number;
}

function checkTimeout(what: string, timeout: number | undefined): number {
  return checkInteger(what, "timeout", timeout ?? 30_000, 0, MAX_DELAY);
}

function checkDialect(what: string, dialect: Dialect | undefined): Dialect {
  if (dialect === undefined) return "en";
  if (!(DIALECTS as readonly unknown[]).includes(dialect)) {
    throw new TypeError(
      `${what}: unknown dialect ${JSON.stringify(dialect)}, expected one of ${DIALECTS.join(", ")}`,
    );
  }
  return dialect;
}

/** Waits for `promise`, or rejects when `signal` aborts or `timeout` ms pass. */
function within<T>(promise: Promise<T>, timeout: number, signal?: AbortSignal): Promise<T> {
  if (timeout === 0 && signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      done();
      reject(signal!.reason);
    };
    const timer = timeout > 0
      ? setTimeout(() => {
        done();
        reject(new DOMException(`No answer within ${timeout} ms`, "TimeoutError"));
      }, timeout)
      : undefined;
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", abort);
    };
    if (signal?.aborted) return abort();
    signal?.addEventListener("abort", abort, { once: true });
    promise.then((value) => {
      done();
      resolve(value);
    }, (error) => {
      done();
      reject(error);
    });
  });
}

function toInteger(name: string, value: bigint | number): bigint {
  if (typeof value === "bigint") return value;
  if (!Number.isSafeInteger(value)) {
    throw new TypeError(`Cannot start a game: ${name} must be an integer, got ${value}`);
  }
  return BigInt(value);
}

/**
 * A connection to a server, over any byte stream pair. Use
 * {@linkcode connect} for a TCP connection, or build one over in-memory
 * streams.
 *
 * @example A client over in-memory streams
 * ```ts
 * import { Client } from "@warmer-colder/warmer-colder/client";
 * import { serveConnection } from "@warmer-colder/warmer-colder/server";
 * import assert from "node:assert/strict";
 *
 * const toServer = new TransformStream<Uint8Array, Uint8Array>();
 * const toClient = new TransformStream<Uint8Array, Uint8Array>();
 * const served = serveConnection({ readable: toServer.readable, writable: toClient.writable }, { quiet: true });
 * const client = new Client({ readable: toClient.readable, writable: toServer.writable });
 * {
 *   await using game = await client.session(1, 1, 1);
 *   for await (const n of game.requestNumbers(3)) assert.equal(await game.reportOutcome(n), "Correct");
 * }
 * await client.close();
 * await served;
 * ```
 *
 * @example A client of the Korean notes' dialect: Korean words on the wire
 * ```ts
 * import { Client } from "@warmer-colder/warmer-colder/client";
 * import { serveConnection } from "@warmer-colder/warmer-colder/server";
 * import assert from "node:assert/strict";
 *
 * const toServer = new TransformStream<Uint8Array, Uint8Array>();
 * const toClient = new TransformStream<Uint8Array, Uint8Array>();
 * const [wire, readable] = toServer.readable.tee();
 * const logged: string[] = [];
 * const served = serveConnection({ readable, writable: toClient.writable }, {
 *   log: (line) => logged.push(line),
 * });
 * const client = new Client({ readable: toClient.readable, writable: toServer.writable }, {
 *   dialect: "ko",
 * });
 * {
 *   await using game = await client.session(4, 4, 4);
 *   for await (const n of game.requestNumbers(1)) assert.equal(await game.reportOutcome(n), "Correct");
 * }
 * await client.close();
 * await served;
 * assert.equal(await new Response(wire).text(), "PARAMS 4 4\nNUMBER\nREPORT 맞음\nPARAMS 0 -1\n");
 * assert.deepEqual(logged, ["Server: 4 is Correct"]);
 * ```
 */
export class Client implements AsyncDisposable {
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #lines: ReadableStreamDefaultReader<string>;
  #encoder = new TextEncoder();
  #timeout: number;
  #signal: AbortSignal | undefined;
  #dialect: Dialect;
  #game: GameSession | undefined;
  #failure: Error | undefined;
  #closed: Promise<void> | undefined;

  /**
   * Wraps a connection's streams; nothing is sent until a game starts.
   *
   * @param duplex The connection's streams.
   * @param options Timeouts, cancellation, the reply line limit, and the dialect.
   * @throws {TypeError} for a dialect other than `en` or `ko`.
   * @throws {RangeError} for a timeout out of range.
   */
  constructor(duplex: Duplex, options: ClientOptions = {}) {
    this.#timeout = checkTimeout("Cannot create a client", options.timeout);
    this.#dialect = checkDialect("Cannot create a client", options.dialect);
    this.#signal = options.signal;
    this.#writer = duplex.writable.getWriter();
    this.#lines = duplex.readable
      .pipeThrough(new LineStream({ maxLineBytes: options.maxLineBytes ?? 4096 }))
      .getReader();
    this.#writer.closed.catch(() => {});
  }

  /**
   * Starts a game: sends `PARAMS lower upper`. Leaving the scope of the
   * returned session sends `PARAMS 0 -1`.
   *
   * @param lower The least number of the game.
   * @param upper The greatest number of the game.
   * @param secret The number the server must find, within the range. Leave
   *   it out when a person holds it, and report with {@linkcode GameSession.report}.
   * @returns The game, to hold with `await using`.
   * @throws {RangeError} when `lower > upper` or the secret is outside the range.
   * @throws {TypeError} for a number that is not an integer.
   * @throws {Error} when a game is already open on this client.
   *
   * @example See {@linkcode Client}.
   * ```ts
   * import { Client } from "@warmer-colder/warmer-colder/client";
   * import assert from "node:assert/strict";
   *
   * const client = new Client(new TransformStream<Uint8Array, Uint8Array>());
   * await assert.rejects(client.session(5, 1, 3), RangeError);
   * ```
   */
  async session(
    lower: bigint | number,
    upper: bigint | number,
    secret?: bigint | number,
  ): Promise<GameSession> {
    const low = toInteger("lower", lower);
    const high = toInteger("upper", upper);
    const hidden = secret === undefined ? undefined : toInteger("secret", secret);
    if (low > high) {
      throw new RangeError(`Cannot start a game: lower ${low} is above upper ${high}`);
    }
    if (hidden !== undefined && (hidden < low || hidden > high)) {
      throw new RangeError(`Cannot start a game: secret ${hidden} is outside ${low}..${high}`);
    }
    if (this.#game !== undefined) {
      throw new Error("Cannot start a game: one is already open on this client");
    }
    await this.send(formatCommand({ type: "PARAMS", lower: low, upper: high }));
    this.#game = new GameSession(this, low, high, hidden, this.#dialect);
    return this.#game;
  }

  /** @internal Sends one line. */
  async send(line: string): Promise<void> {
    if (this.#failure) throw this.#failure;
    try {
      await within(
        this.#writer.write(this.#encoder.encode(line + "\n")),
        this.#timeout,
        this.#signal,
      );
    } catch (error) {
      throw this.#fail(error);
    }
  }

  /** @internal Reads one reply line. */
  async receive(): Promise<string> {
    if (this.#failure) throw this.#failure;
    let result: ReadableStreamReadResult<string>;
    try {
      result = await within(this.#lines.read(), this.#timeout, this.#signal);
    } catch (error) {
      throw this.#fail(error);
    }
    if (result.done) {
      throw this.#fail(new ConnectionClosedError("The server closed the connection"));
    }
    return result.value;
  }

  /** @internal The game has ended. */
  ended(game: GameSession): void {
    if (this.#game === game) this.#game = undefined;
  }

  /** Records the first failure; the connection is of no more use after it. */
  #fail(error: unknown): Error {
    if (this.#failure) return this.#failure;
    let failure: Error;
    if (error instanceof ProtocolError || error instanceof ConnectionClosedError) failure = error;
    else if (error instanceof RangeError || error instanceof TypeError) {
      failure = new ProtocolError("bad-reply", `Cannot read reply: ${error.message}`, {
        cause: error,
      });
    } else if (
      error instanceof DOMException &&
      (error.name === "TimeoutError" || error.name === "AbortError")
    ) {
      failure = error;
    } else if (error === this.#signal?.reason) {
      failure = error instanceof Error ? error : new Error(String(error));
    } else {
      const message = error instanceof Error ? error.message : String(error);
      failure = new ConnectionClosedError(`The connection failed: ${message}`, { cause: error });
    }
    this.#failure = failure;
    void this.close();
    return failure;
  }

  /** True once the connection has failed or been closed. */
  get closed(): boolean {
    return this.#failure !== undefined;
  }

  /** Closes the connection. A second call returns the same promise. */
  close(): Promise<void> {
    this.#failure ??= new ConnectionClosedError("The client is closed");
    this.#closed ??= (async () => {
      await this.#writer.close().catch(() => {});
      await this.#lines.cancel().catch(() => {});
    })();
    return this.#closed;
  }

  /** Closes the connection. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * One game on a {@linkcode Client}, from its `PARAMS lower upper` to its
 * `PARAMS 0 -1`. Get one from {@linkcode Client.session}.
 */
export class GameSession implements AsyncDisposable {
  /** The least number of the game. */
  readonly lower: bigint;
  /** The greatest number of the game. */
  readonly upper: bigint;
  /** The number the server must find, if this program knows it. */
  readonly secret: bigint | undefined;
  #client: Client;
  #dialect: Dialect;
  #last: bigint | undefined;
  #reported = true;
  #distance: bigint | undefined;
  #correct = false;
  #ended = false;

  /**
   * @internal Use {@linkcode Client.session}.
   * @param client The connection.
   * @param lower The least number.
   * @param upper The greatest number.
   * @param secret The secret.
   * @param dialect The words to report in.
   */
  constructor(
    client: Client,
    lower: bigint,
    upper: bigint,
    secret: bigint | undefined,
    dialect: Dialect = "en",
  ) {
    this.#client = client;
    this.#dialect = dialect;
    this.lower = lower;
    this.upper = upper;
    this.secret = secret;
  }

  /**
   * Asks for up to `count` guesses, one `NUMBER` each, and stops after a
   * guess reported `Correct`. Report each guess before asking for the next.
   *
   * @param count The most guesses to ask for.
   * @returns The guesses, in the range.
   * @throws {ProtocolError} when the server answers `ERROR`, or with a reply
   *   that is not an integer in the game's range (code `bad-reply`).
   * @throws {ConnectionClosedError} when the connection ends.
   *
   * @example See {@linkcode Client}.
   * ```ts
   * import { Client } from "@warmer-colder/warmer-colder/client";
   * import { serveConnection } from "@warmer-colder/warmer-colder/server";
   * import assert from "node:assert/strict";
   *
   * const a = new TransformStream<Uint8Array, Uint8Array>();
   * const b = new TransformStream<Uint8Array, Uint8Array>();
   * const served = serveConnection({ readable: a.readable, writable: b.writable }, { quiet: true });
   * await using client = new Client({ readable: b.readable, writable: a.writable });
   * await using game = await client.session(1, 3, 2);
   * const seen = new Set<bigint>();
   * for await (const n of game.requestNumbers(3)) {
   *   seen.add(n);
   *   await game.reportOutcome(n);
   * }
   * assert.ok(seen.has(2n));
   * ```
   */
  async *requestNumbers(count: number): AsyncGenerator<bigint, void, undefined> {
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new RangeError(
        `Cannot request numbers: count must be a non-negative integer, got ${count}`,
      );
    }
    for (let i = 0; i < count; i++) {
      if (this.#ended) throw new Error("Cannot request numbers: the game has ended");
      if (!this.#reported) throw new Error(`Cannot request numbers: report ${this.#last} first`);
      await this.#client.send("NUMBER");
      const reply = parseReply(await this.#client.receive());
      if (reply.type === "error") {
        const code: ErrorCode | "bad-reply" = Object.hasOwn(ERROR_CODES, reply.code)
          ? reply.code as ErrorCode
          : "bad-reply";
        throw new ProtocolError(code, `The server answered ${reply.code}: ${reply.message}`);
      }
      const guess = reply.value;
      if (guess < this.lower || guess > this.upper) {
        throw new ProtocolError(
          "bad-reply",
          `The server guessed ${guess}, outside ${this.lower}..${this.upper}`,
        );
      }
      this.#last = guess;
      this.#reported = false;
      yield guess;
      if (this.#correct) return;
    }
  }

  /**
   * Decides what the guess is, by the reference's rule, and reports it.
   *
   * @param guess The last guess {@linkcode requestNumbers} yielded.
   * @returns The decision sent.
   * @throws {Error} when `guess` is not the last, unreported guess.
   *
   * @example See {@linkcode GameSession.requestNumbers}.
   * ```ts
   * import { decide } from "@warmer-colder/warmer-colder/protocol";
   * import assert from "node:assert/strict";
   *
   * assert.equal(decide(3n, 3n).decision, "Correct");
   * ```
   */
  async reportOutcome(guess: bigint | number): Promise<Decision> {
    if (this.secret === undefined) {
      throw new TypeError("Cannot decide without the secret: use report(guess, decision)");
    }
    const n = this.#check(guess);
    const outcome = decide(this.secret, n, this.#distance);
    this.#distance = outcome.distance;
    await this.report(n, outcome.decision);
    return outcome.decision;
  }

  /**
   * Reports a decision made elsewhere, such as by a person who holds the
   * secret, for the last guess.
   *
   * @param guess The last guess {@linkcode requestNumbers} yielded.
   * @param decision What to report.
   * @throws {Error} when `guess` is not the last, unreported guess.
   *
   * @example A person's answer
   * ```ts
   * import { Client } from "@warmer-colder/warmer-colder/client";
   * import { serveConnection } from "@warmer-colder/warmer-colder/server";
   * import assert from "node:assert/strict";
   *
   * const a = new TransformStream<Uint8Array, Uint8Array>();
   * const b = new TransformStream<Uint8Array, Uint8Array>();
   * serveConnection({ readable: a.readable, writable: b.writable }, { quiet: true });
   * await using client = new Client({ readable: b.readable, writable: a.writable });
   * await using game = await client.session(7, 7);
   * for await (const n of game.requestNumbers(5)) await game.report(n, "Correct");
   * assert.equal(game.secret, undefined);
   * ```
   */
  async report(guess: bigint | number, decision: Decision): Promise<void> {
    this.#check(guess);
    this.#reported = true;
    if (decision === "Correct") this.#correct = true;
    await this.#client.send(formatCommand({ type: "REPORT", decision }, this.#dialect));
  }

  #check(guess: bigint | number): bigint {
    const n = typeof guess === "bigint" ? guess : BigInt(guess);
    if (this.#reported || n !== this.#last) {
      throw new Error(`Cannot report ${n}: it is not the last guess, or it is reported already`);
    }
    return n;
  }

  /** Ends the game: sends `PARAMS 0 -1`, unless the connection is gone. A second call does nothing. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.#client.ended(this);
    if (!this.#client.closed) {
      await this.#client.send(formatCommand({ type: "PARAMS", lower: 0n, upper: -1n }));
    }
  }
}

/**
 * Connects to a server over TCP.
 *
 * @param options Where the server is, timeouts and cancellation.
 * @returns The connected client.
 * @throws {ConnectionClosedError} when the connection cannot be made (nothing
 *   listens, the host is unknown); a `TimeoutError` after `timeout` ms.
 *
 * @example A refused connection
 * ```ts
 * import { connect, ConnectionClosedError } from "@warmer-colder/warmer-colder/client";
 * import { serve } from "@warmer-colder/warmer-colder/server";
 * import assert from "node:assert/strict";
 *
 * const server = await serve({ port: 0, quiet: true });
 * const port = server.addr.port;
 * await server.close();
 * await assert.rejects(connect({ port }), ConnectionClosedError);
 * ```
 */
export async function connect(options: ConnectOptions = {}): Promise<Client> {
  const hostname = options.hostname ?? "127.0.0.1";
  const port = options.port ?? 4321;
  checkInteger("Cannot connect", "port", port, 1, 65535);
  const timeout = checkTimeout("Cannot connect", options.timeout);
  checkDialect("Cannot connect", options.dialect);
  const runtime = await getRuntime();
  const pending = socketToStreams((open) => runtime.connect({ hostname, port }, open));
  let duplex: Duplex;
  try {
    duplex = await within(pending, timeout, options.signal);
  } catch (error) {
    pending.then((late) => late.writable.abort(), () => {});
    if (
      error === options.signal?.reason ||
      (error instanceof DOMException && error.name === "TimeoutError")
    ) {
      throw error;
    }
    const reason = (error as { code?: string }).code ??
      (error instanceof Error ? error.message : String(error));
    throw new ConnectionClosedError(`Cannot connect to ${hostname}:${port}: ${reason}`, {
      cause: error,
    });
  }
  return new Client(duplex, options);
}
