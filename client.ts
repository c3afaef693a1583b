/**
 * The warmer-colder client: it holds the secret and answers the server's
 * guesses. A game is a scope, opened with `await using`, whose guesses are
 * read with `for await`.
 *
 * Run it as a program to play the reference's demo against a server:
 *
 * ```sh
 * bun client.ts
 * deno run --allow-net client.ts --lower 1 --upper 100 --games 3
 * node client.ts --help
 * ```
 *
 * @example Play one game against a local server
 * ```ts
 * import { connect } from "@warmer-colder/warmer-colder/client";
 * import { serve } from "@warmer-colder/warmer-colder/server";
 * import assert from "node:assert/strict";
 *
 * await using server = await serve({ port: 0, quiet: true });
 * await using client = await connect({ port: server.addr.port });
 * await using game = await client.session(10, 15, 12);
 * let last = "";
 * for await (const n of game.requestNumbers(6)) last = await game.reportOutcome(n);
 * assert.equal(last, "Correct");
 * ```
 *
 * @module
 */

export {
  CertificateError,
  Client,
  type ClientOptions,
  ConnectionClosedError,
  GameSession,
} from "./_client/client.ts";
export { connect, type ConnectOptions, type TlsOptions } from "./_client/connect.ts";
export { webSocketStreams } from "./_client/websocket.ts";
export type { CertificateProblem } from "./_transport/tls.ts";
export type { Duplex } from "./_transport/streams.ts";

// As a program: the program lives in _cli/, which never imports this file.
// Not awaited: a pending top-level await costs Deno work on every turn of
// the event loop (4.1k instructions a round trip at one connection).
if (import.meta.main) void import("./_cli/client_main.ts").then((program) => program.main());
