/**
 * The client, on any byte stream pair: `Client` and the game scope
 * `GameSession`, as `client.ts` exports them. Nothing on its path knows a
 * runtime, so it loads in a browser too; `connect()` (connect.ts) adds the
 * runtime's sockets.
 *
 * @module
 */

import {
  decide,
  type Decision,
  DECISIONS,
  type Dialect,
  DIALECTS,
  ERROR_CODES,
  type ErrorCode,
  formatCommand,
  parseReply,
  ProtocolError,
} from "../protocol.ts";
import type { CertificateProblem } from "../_transport/tls.ts";
import type { Duplex } from "../_transport/streams.ts";
import { checkInteger, MAX_DELAY } from "../_util/limits.ts";
import { type ReplyLine, StreamWire, type Wire } from "./wire.ts";
import { SocketWire } from "./socket_wire.ts";

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

/**
 * The server's TLS certificate did not verify: {@linkcode connect} refuses
 * the connection, and never falls back to plaintext.
 *
 * @example
 * ```ts
 * import { CertificateError, ConnectionClosedError } from "@warmer-colder/warmer-colder/client";
 * import assert from "node:assert/strict";
 *
 * const error = new CertificateError("expired", "The certificate has expired");
 * assert.ok(error instanceof ConnectionClosedError);
 * assert.equal(error.problem, "expired");
 * ```
 */
export class CertificateError extends ConnectionClosedError {
  /**
   * What was wrong: `untrusted` (no trusted CA signed it), `expired` (or not
   * yet valid), `name` (not issued for the server's name), `invalid` (any
   * other fault of the certificate).
   */
  readonly problem: CertificateProblem;

  /**
   * Makes the error.
   *
   * @param problem What was wrong with the certificate.
   * @param message What happened.
   * @param options The `cause`: the runtime's own error.
   */
  constructor(problem: CertificateProblem, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CertificateError";
    this.problem = problem;
  }
}

/** Options of a {@linkcode Client}. */
export interface ClientOptions {
  /**
   * Milliseconds to wait for each reply (and, in {@linkcode connect}, for the
   * connection) before rejecting with a `TimeoutError`; 0 for no limit. At
   * most 2^31 - 1 (24.8 days). A wait fails no sooner, and at most a
   * sixteenth later: one timer looks at the client's wait that often.
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

/** @internal The client's timeout, checked, with its default. */
export function checkTimeout(what: string, timeout: number | undefined): number {
  return checkInteger(what, "timeout", timeout ?? 30_000, 0, MAX_DELAY);
}

/** @internal The dialect, checked, with its default. */
export function checkDialect(what: string, dialect: Dialect | undefined): Dialect {
  if (dialect === undefined) return "en";
  if (!(DIALECTS as readonly unknown[]).includes(dialect)) {
    throw new TypeError(
      `${what}: unknown dialect ${JSON.stringify(dialect)}, expected one of ${DIALECTS.join(", ")}`,
    );
  }
  return dialect;
}

/**
 * Microtasks that pass, with nothing more sent, before sent lines are
 * written on their own: enough for a game's loop (a `reportOutcome`, then
 * the loop's next `NUMBER`; the end of a game's scope, then the next
 * session) to send its next request first, so that a round trip is one write.
 */
const HOPS = 6;

/** One `requestNumbers()` loop: the guesses it may still ask for, and whether it has ended. */
interface Loop {
  left: number;
  done: boolean;
}

/** What waits on a {@linkcode Client}: the reply, or the failure, goes to it. */
interface Waiter {
  reply(line: ReplyLine): void;
  fail(error: unknown): void;
}

/** The line that ends a game. */
const END_GAME = formatCommand({ type: "PARAMS", lower: 0n, upper: -1n }) + "\n";

/** Every `REPORT` line, with its `\n`, by dialect and decision. */
const REPORTS = Object.fromEntries(
  DIALECTS.map((dialect) => [
    dialect,
    Object.fromEntries(
      DECISIONS.map((decision) => [
        decision,
        formatCommand({ type: "REPORT", decision }, dialect) + "\n",
      ]),
    ),
  ]),
) as Record<Dialect, Record<Decision, string>>;

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
  #wire: Wire;
  #timeout: number;
  #signal: AbortSignal | undefined;
  #onAbort: (() => void) | undefined;
  #dialect: Dialect;
  #game: GameSession | undefined;
  #failure: Error | undefined;
  #closed: Promise<void> | undefined;
  /**
   * Lines sent and not yet written: they go out with the next line that
   * waits for a reply, in one write, or once the microtasks of this turn
   * have run (`#hop`).
   */
  #out = "";
  #hops = 0;
  #hopping = false;
  /** The last write was more than the wire takes: wait for room before a game. */
  #full = false;
  /** The one wait in progress: for a reply, or for room to write. */
  #waiting: Waiter | undefined;
  /**
   * The client's one timer, which looks at the wait every `#period` ms while
   * there is one: a wait it has seen at `#ticksToFail + 1` looks in a row
   * has lasted the timeout, at most a sixteenth more. A wait then costs a
   * count, where a timer of its own, or a clock read and a timer kept in step,
   * cost Deno 0.5 µs a round trip.
   */
  #timer: ReturnType<typeof setTimeout> | undefined;
  #period = 0;
  #ticksToFail = 0;
  /** Waits begun, and the one the timer saw last and at how many looks in a row. */
  #waits = 0;
  #seen = 0;
  #looks = 0;

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
    this.#period = Math.max(1, Math.ceil(this.#timeout / 16));
    this.#ticksToFail = Math.ceil(this.#timeout / this.#period);
    this.#wire = duplex instanceof SocketWire
      ? duplex
      : new StreamWire(duplex, options.maxLineBytes ?? 4096);
    this.#wire.attach({
      reply: (line) => this.#settle(line),
      closed: (error) =>
        this.#fail(error ?? new ConnectionClosedError("The server closed the connection")),
    });
    const signal = options.signal;
    this.#signal = signal;
    if (signal !== undefined) {
      this.#onAbort = () => this.#fail(signal.reason);
      signal.addEventListener("abort", this.#onAbort, { once: true });
    }
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
    if (this.#failure) throw this.#failure;
    // A peer that reads nothing stops a loop of games here, not in memory.
    if (this.#full) await this.#room();
    if (this.#game !== undefined) {
      throw new Error("Cannot start a game: one is already open on this client");
    }
    this.send(formatCommand({ type: "PARAMS", lower: low, upper: high }) + "\n");
    this.#game = new GameSession(this, low, high, hidden, this.#dialect);
    return this.#game;
  }

  /**
   * @internal Sends whole lines, each with its `\n`: they go out with the
   * next request, in the same write, or at the end of this turn.
   */
  send(lines: string): void {
    if (this.#failure) throw this.#failure;
    this.#out += lines;
    this.#hops = HOPS;
    if (!this.#hopping) {
      this.#hopping = true;
      queueMicrotask(this.#hop);
    }
  }

  /**
   * Writes what was sent once `HOPS` microtasks have passed with nothing
   * more sent: a game's loop has by then sent its next `NUMBER`, and what
   * waited went with it; a program that does something else gets its lines
   * out before any timer or socket event. A chain of microtasks, because
   * one alone runs before the loop's next line, and the task queue
   * (`setImmediate`) costs Deno a microsecond a round trip.
   */
  #hop = (): void => {
    if (this.#out !== "" && --this.#hops > 0) return queueMicrotask(this.#hop);
    this.#hopping = false;
    this.#flush();
  };

  #flush(): void {
    if (this.#out === "") return;
    const text = this.#out;
    this.#out = "";
    if (!this.#wire.write(text)) this.#full = true;
  }

  /**
   * @internal Sends `line` (with its `\n`) with what waits to be sent, and
   * reads its reply for `waiter`; or fails `waiter` at once.
   */
  request(line: string, waiter: Waiter): void {
    const refusal = this.#refusal();
    if (refusal) return waiter.fail(refusal);
    this.#wait(waiter);
    this.#out += line;
    this.#flush();
    this.#wire.read();
  }

  /** Waits, within the timeout and the signal, until the wire takes writes again. */
  #room(): Promise<void> {
    const refusal = this.#refusal();
    if (refusal) return Promise.reject(refusal);
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.#wait({
      reply: () => {
        this.#full = false;
        resolve();
      },
      fail: reject,
    });
    this.#wire.drained().then(() => this.#settle(0), (error) => this.#fail(error));
    return promise;
  }

  /** Why no wait may begin now, if it may not. */
  #refusal(): Error | undefined {
    if (this.#failure) return this.#failure;
    if (this.#signal?.aborted) return this.#fail(this.#signal.reason);
    if (this.#waiting !== undefined) {
      return new Error("Cannot wait for the server: a wait is in progress already");
    }
  }

  /** Starts the one wait: `#settle` ends it, or `#fail` (a timeout, an abort, the connection). */
  #wait(waiter: Waiter): void {
    this.#waiting = waiter;
    this.#waits++;
    if (this.#timeout > 0 && this.#timer === undefined) {
      this.#timer = setTimeout(this.#tick, this.#period);
    }
  }

  #settle(line: ReplyLine): void {
    const waiting = this.#waiting;
    if (waiting === undefined) return;
    this.#waiting = undefined;
    waiting.reply(line);
  }

  /** A look of the timer: it stops when nothing waits, and fails a wait that has lasted the timeout. */
  #tick = (): void => {
    this.#timer = undefined;
    if (this.#waiting === undefined) return;
    if (this.#seen === this.#waits) this.#looks++;
    else {
      this.#seen = this.#waits;
      this.#looks = 1;
    }
    if (this.#looks <= this.#ticksToFail) this.#timer = setTimeout(this.#tick, this.#period);
    else this.#fail(new DOMException(`No answer within ${this.#timeout} ms`, "TimeoutError"));
  };

  /** @internal The game has ended. */
  ended(game: GameSession): void {
    if (this.#game === game) this.#game = undefined;
  }

  /** Records the first failure, and rejects the wait with it; the connection is of no more use after it. */
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

  /**
   * Closes the connection, once what was sent has been written. A second
   * call returns the same promise.
   */
  close(): Promise<void> {
    this.#failure ??= new ConnectionClosedError("The client is closed");
    if (this.#closed) return this.#closed;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.fail(this.#failure);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#onAbort) this.#signal!.removeEventListener("abort", this.#onAbort);
    this.#flush();
    this.#closed = this.#wire.close();
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
  /** The loop whose `NUMBER` is in flight, and the `next()` its reply settles. */
  #asking: Loop | undefined;
  #resolve: (result: IteratorResult<bigint, void>) => void = () => {};
  #reject: (error: unknown) => void = () => {};
  #waiter: Waiter = {
    reply: (line) => this.#replied(line),
    fail: (error) => {
      const loop = this.#asking;
      this.#asking = undefined;
      if (loop === undefined) return;
      loop.done = true;
      this.#reject(error);
    },
  };

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
  requestNumbers(count: number): AsyncGenerator<bigint, void, undefined> {
    // An async generator's own machinery costs a round trip several promise
    // hops; this iterator's `next()` is settled by the reply itself.
    const loop: Loop = { left: count, done: false };
    const finished = (): Promise<IteratorResult<bigint, void>> => {
      loop.done = true;
      return Promise.resolve({ done: true, value: undefined });
    };
    const iterator: AsyncGenerator<bigint, void, undefined> = {
      next: () => {
        if (loop.done) return finished();
        let refusal: Error | undefined;
        if (!Number.isSafeInteger(count) || count < 0) {
          refusal = new RangeError(
            `Cannot request numbers: count must be a non-negative integer, got ${count}`,
          );
        } else if (this.#correct || loop.left === 0) return finished();
        else if (this.#ended) refusal = new Error("Cannot request numbers: the game has ended");
        else if (!this.#reported) {
          refusal = new Error(`Cannot request numbers: report ${this.#last} first`);
        }
        if (refusal !== undefined) {
          loop.done = true;
          return Promise.reject(refusal);
        }
        loop.left--;
        this.#asking = loop;
        const reply = new Promise<IteratorResult<bigint, void>>((resolve, reject) => {
          this.#resolve = resolve;
          this.#reject = reject;
        });
        this.#client.request("NUMBER\n", this.#waiter);
        return reply;
      },
      return: finished,
      throw: (error: unknown) => {
        loop.done = true;
        return Promise.reject(error);
      },
      [Symbol.asyncIterator]: () => iterator,
      [Symbol.asyncDispose]: () => finished().then(() => {}),
    };
    return iterator;
  }

  /** The reply to the `NUMBER` asked: the next guess, if it is one. */
  #replied(line: ReplyLine): void {
    const loop = this.#asking!;
    this.#asking = undefined;
    let guess: bigint;
    try {
      guess = typeof line === "number" ? BigInt(line) : this.#guess(line);
      if (guess < this.lower || guess > this.upper) {
        throw new ProtocolError(
          "bad-reply",
          `The server guessed ${guess}, outside ${this.lower}..${this.upper}`,
        );
      }
    } catch (error) {
      loop.done = true;
      return this.#reject(error);
    }
    this.#last = guess;
    this.#reported = false;
    this.#resolve({ done: false, value: guess });
  }

  /** A reply line that is not a short integer: a long one, or an `ERROR`, or not a number. */
  #guess(line: string): bigint {
    const reply = parseReply(line);
    if (reply.type === "number") return reply.value;
    const code: ErrorCode | "bad-reply" = Object.hasOwn(ERROR_CODES, reply.code)
      ? reply.code as ErrorCode
      : "bad-reply";
    throw new ProtocolError(code, `The server answered ${reply.code}: ${reply.message}`);
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
  reportOutcome(guess: bigint | number): Promise<Decision> {
    // Not an async function: a settled promise is all the caller waits for.
    try {
      if (this.secret === undefined) {
        throw new TypeError("Cannot decide without the secret: use report(guess, decision)");
      }
      const n = this.#check(guess);
      const outcome = decide(this.secret, n, this.#distance);
      this.#distance = outcome.distance;
      this.#report(outcome.decision);
      return Promise.resolve(outcome.decision);
    } catch (error) {
      return Promise.reject(error);
    }
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
  report(guess: bigint | number, decision: Decision): Promise<void> {
    try {
      this.#check(guess);
      this.#report(decision);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Sends the report: it goes out with the next request, or at the end of this turn. */
  #report(decision: Decision): void {
    this.#reported = true;
    if (decision === "Correct") this.#correct = true;
    this.#client.send(REPORTS[this.#dialect][decision]);
  }

  #check(guess: bigint | number): bigint {
    const n = typeof guess === "bigint" ? guess : BigInt(guess);
    if (this.#reported || n !== this.#last) {
      throw new Error(`Cannot report ${n}: it is not the last guess, or it is reported already`);
    }
    return n;
  }

  /** Ends the game: sends `PARAMS 0 -1`, unless the connection is gone. A second call does nothing. */
  [Symbol.asyncDispose](): Promise<void> {
    if (!this.#ended) {
      this.#ended = true;
      this.#client.ended(this);
      if (!this.#client.closed) this.#client.send(END_GAME);
    }
    return Promise.resolve();
  }
}
