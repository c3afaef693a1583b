/**
 * Picks the runtime's socket adapter. The one place that asks which runtime
 * this is.
 *
 * @module
 */

import type { Runtime } from "./types.ts";

export type * from "./types.ts";

let runtime: Promise<Runtime> | undefined;

/** The adapter for the runtime this code runs on, loaded once. */
export function getRuntime(): Promise<Runtime> {
  runtime ??= "Deno" in globalThis
    ? import("./deno.ts").then((m) => m.runtime)
    : "Bun" in globalThis
    ? import("./bun.ts").then((m) => m.runtime)
    : import("./node.ts").then((m) => m.runtime);
  return runtime;
}
