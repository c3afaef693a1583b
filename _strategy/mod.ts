/**
 * The strategies a server can guess with, by name.
 *
 * @module
 */

import { random } from "./random.ts";
import { smart } from "./smart.ts";
import type { Strategy } from "./types.ts";

export type { Guesser, Strategy } from "./types.ts";

/** The names of the strategies. */
export type StrategyName = "random" | "smart";

/** Each strategy by its name. */
export const STRATEGIES: Readonly<Record<StrategyName, Strategy>> = Object.freeze({
  random,
  smart,
});
