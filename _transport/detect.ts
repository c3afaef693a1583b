/**
 * Which runtime this is, and its socket and web adapters: the one place that asks.
 * Everything else (the workers, the tests, the benchmark) reads
 * {@linkcode RUNTIME} from here.
 *
 * @module
 */

import type { Runtime, WebRuntime } from "./types.ts";

/** The runtime this code runs on. */
export const RUNTIME: "deno" | "bun" | "node" = "Deno" in globalThis
  ? "deno"
  : "Bun" in globalThis
  ? "bun"
  : "node";

let runtime: Promise<Runtime> | undefined;

/** The adapter for the runtime this code runs on, loaded once. */
export function getRuntime(): Promise<Runtime> {
  runtime ??= RUNTIME === "deno"
    ? import("./deno.ts").then((m) => m.runtime)
    : RUNTIME === "bun"
    ? import("./bun.ts").then((m) => m.runtime)
    : import("./node.ts").then((m) => m.runtime);
  return runtime;
}

let web: Promise<WebRuntime> | undefined;

/** The web listener for the runtime this code runs on, loaded once, when a server asks for one. */
export function getWebRuntime(): Promise<WebRuntime> {
  web ??= RUNTIME === "deno"
    ? import("./web_deno.ts").then((m) => m.runtime)
    : RUNTIME === "bun"
    ? import("./web_bun.ts").then((m) => m.runtime)
    : import("./web_node.ts").then((m) => m.runtime);
  return web;
}
