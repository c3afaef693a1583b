/**
 * The strategies a server can guess with, by name: the one table every
 * other list of them (the option's type, the program's flag) derives from.
 *
 * @module
 */

import { random } from "./random.ts";
import { smart } from "./smart.ts";
import type { AnyStrategy } from "./types.ts";

export type { AnyStrategy, Guesser, Strategy } from "./types.ts";

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

/** The strategies' names, in the order of the table: what the program's flag accepts. */
export const strategyNames: readonly StrategyName[] = Object.freeze(
  Object.keys(STRATEGIES) as StrategyName[],
);
