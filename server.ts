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

export { serve, serveConnection } from "./_server/serve.ts";
export type {
  GameServerOptions,
  ServeOptions,
  Server,
  TlsServerOptions,
  WebOptions,
} from "./_server/options.ts";
export type { Duplex } from "./_transport/streams.ts";
export type { StrategyName } from "./_strategy/mod.ts";

// As a program: the program lives in _cli/, which never imports this file.
// Not awaited: a pending top-level await costs Deno work on every turn of
// the event loop (4.1k instructions a round trip at one connection).
if (import.meta.main) void import("./_cli/server_main.ts").then((program) => program.main());
