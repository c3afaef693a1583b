/**
 * The strategies a server can guess with, by name: the one table every
 * other list of them (the option's type, the program's flag) derives from.
 *
 * @module
 */

import { random, randomNumbers } from "./random.ts";
import { smart } from "./smart/mod.ts";
import type { AnyStrategy, NumberStrategy } from "./types.ts";

export type { AnyStrategy, Guesser, NumberStrategy, Strategy } from "./types.ts";

/**
 * The names of the strategies: `random` plays as the reference does; `smart`
 * listens. The compiler holds {@linkcode STRATEGIES} to exactly these.
 */
export type StrategyName = "random" | "smart";

/** Each strategy by its name. */
export const STRATEGIES: Readonly<Record<StrategyName, AnyStrategy>> = Object.freeze({
  random,
  smart,
});

/** The strategies that can also start a game from numbers, by name. */
export const NUMBER_STRATEGIES: Readonly<Partial<Record<StrategyName, NumberStrategy>>> = Object
  .freeze({ random: randomNumbers });

/** The strategies' names, in the order of the table: what the program's flag accepts. */
export const strategyNames: readonly StrategyName[] = Object.freeze(
  Object.keys(STRATEGIES) as StrategyName[],
);
