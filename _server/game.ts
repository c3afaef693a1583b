/**
 * One connection's game, as the server plays it: commands in, reply lines
 * out. Knows nothing of sockets or runtimes.
 *
 * @module
 */

import { type Command, type Decision, ProtocolError } from "../protocol.ts";
import type { AnyStrategy, Guesser, NumberStrategy } from "../_strategy/mod.ts";

/** What a game needs from its server. */
export interface GameOptions {
  /** Picks the guesses. */
  readonly strategy: AnyStrategy;
  /** The same strategy's start from numbers, if it has one (no `bigint` per game). */
  readonly numbers?: NumberStrategy | undefined;
  /** A source of numbers in [0, 1). */
  readonly random: () => number;
  /** Told of every report, as the reference prints `Server: N is Decision`. */
  readonly report?: ((guess: bigint, decision: Decision) => void) | undefined;
}

/** The state of the games on one connection. */
export class Game {
  #options: GameOptions;
  #guesser: Guesser<bigint | number> | undefined;
  #lower: bigint | number = 0;
  #upper: bigint | number = -1;
  // A guess is a number when the strategy gives one (an exact one, over a
  // range of safe integers): no bigint per guess on the hot path.
  #secret: bigint | number | undefined;
  #last: bigint | number | undefined;
  #reported = true;

  /**
   * Makes a connection's game state, with no game started.
   *
   * @param options The strategy, the randomness and the report listener.
   */
  constructor(options: GameOptions) {
    this.#options = options;
  }

  /**
   * Carries out one command.
   *
   * @returns The reply line, without `\n`, for `NUMBER`; else `undefined`.
   * @throws {ProtocolError} `bad-range`, `no-game`, `exhausted` or `no-guess`;
   *   the game is then as it was before the command.
   */
  handle(command: Command): string | undefined {
    switch (command.type) {
      case "NUMBER":
        return this.#number();
      case "REPORT":
        this.#report(command.decision);
        return undefined;
      case "PARAMS":
        this.#params(command.lower, command.upper);
        return undefined;
    }
  }

  #number(): string {
    let guess = this.#secret;
    if (guess === undefined) {
      if (this.#guesser === undefined) {
        throw new ProtocolError("no-game", "NUMBER outside a game: send PARAMS lower upper first");
      }
      guess = this.#guesser.next();
      if (guess === undefined) {
        throw new ProtocolError(
          "exhausted",
          `Every number of ${this.#lower}..${this.#upper} has been guessed`,
        );
      }
    }
    this.#last = guess;
    this.#reported = false;
    return `${guess}`; // NumberToString: cheaper than toString(), which takes a radix
  }

  #report(decision: Decision): void {
    const last = this.#last;
    if (last === undefined || this.#reported) {
      throw new ProtocolError("no-guess", "REPORT with no guess to report: send NUMBER first");
    }
    this.#reported = true;
    const listener = this.#options.report;
    if (listener !== undefined) listener(typeof last === "number" ? BigInt(last) : last, decision);
    if (decision === "Correct") this.#secret = last;
    else if (this.#secret === undefined) this.#guesser?.report(decision);
  }

  /**
   * Starts a game over `lower..upper`, as `PARAMS lower upper` does, from
   * numbers: what a connection reads from a line's bytes when both are safe
   * integers. `0 -1` ends the game.
   *
   * @throws {ProtocolError} `bad-range`; the game is then as it was before.
   */
  params(lower: number, upper: number): void {
    if (lower > upper && !(lower === 0 && upper === -1)) throw badRange(lower, upper);
    this.#begin(lower, upper);
    const options = this.#options;
    this.#guesser = lower > upper
      ? undefined
      : options.numbers !== undefined
      ? options.numbers(lower, upper, options.random)
      : options.strategy(BigInt(lower), BigInt(upper), options.random);
  }

  #params(lower: bigint, upper: bigint): void {
    if (lower > upper && !(lower === 0n && upper === -1n)) throw badRange(lower, upper);
    this.#begin(lower, upper);
    this.#guesser = lower > upper
      ? undefined
      : this.#options.strategy(lower, upper, this.#options.random);
  }

  #begin(lower: bigint | number, upper: bigint | number): void {
    this.#lower = lower;
    this.#upper = upper;
    this.#secret = undefined;
    this.#last = undefined;
    this.#reported = true;
  }
}

function badRange(lower: bigint | number, upper: bigint | number): ProtocolError {
  return new ProtocolError(
    "bad-range",
    `Cannot start a game: lower ${lower} is above upper ${upper} (PARAMS 0 -1 ends a game)`,
  );
}
