/**
 * warmer-colder: a number-guessing game over a line protocol on TCP. The
 * server guesses; the client holds the secret and answers each guess with
 * `Warmer`, `Colder`, `Unsure` or `Correct`. The same code runs on Deno, Bun
 * and Node.
 *
 * @example A server and a client in one program
 * ```ts
 * import { connect, serve } from "@warmer-colder/warmer-colder";
 * import assert from "node:assert/strict";
 *
 * await using server = await serve({ port: 0, quiet: true });
 * await using client = await connect({ port: server.addr.port });
 * await using game = await client.session(1, 5, 3);
 * const decisions: string[] = [];
 * for await (const n of game.requestNumbers(5)) decisions.push(await game.reportOutcome(n));
 * assert.equal(decisions.at(-1), "Correct");
 * ```
 *
 * @module
 */

export * from "./protocol.ts";
export * from "./server.ts";
export * from "./client.ts";
