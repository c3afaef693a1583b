/**
 * Interoperation with the reference program, both versions, both roles: our
 * client (the program, on the runtime running this file) against the
 * reference's threaded and asyncio servers, and the reference's two clients
 * against our server. Every exchanged guess and decision is checked from
 * both ends: the client's lines and the server's lines must agree.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { serve } from "../server.ts";
import {
  checkDemoOutput,
  pythonSkip,
  reference,
  ROOT,
  run,
  Running,
  RUNTIME,
  runtimeCommand,
  serverReports,
  titled,
} from "./_helpers.ts";

const ref = reference();
const skip = ref.skip || await pythonSkip();

describe(`conformance with the reference on ${RUNTIME}`, () => {
  for (const mode of ["threaded-server", "async-server"]) {
    test(
      titled(`our client plays the demo against the reference ${mode}`, skip),
      { skip },
      async () => {
        await using server = new Running("python3", [
          join(ROOT, "tests", "reference_port0.py"),
          mode,
        ]);
        const port = await server.port();
        const [command, args] = runtimeCommand("client.ts", ["--port", String(port)]);
        const client = await run(command, args);
        assert.equal(client.code, 0, client.stderr);
        assert.equal(client.stderr, "");
        const guesses = checkDemoOutput(client.stdout);
        // The reference prints each report as it reads it; wait for the last.
        await server.waitFor(new RegExp(`^${guesses.at(-1)!.replace("Client", "Server")}$`));
        assert.deepEqual(serverReports(server.lines), guesses);
      },
    );
  }

  for (const mode of ["threaded-client", "async-client"]) {
    test(
      titled(`the reference ${mode} plays the demo against our server`, skip),
      { skip },
      async () => {
        const logged: string[] = [];
        await using server = await serve({ port: 0, log: (line) => logged.push(line) });
        const client = await run("python3", [ref.path!, mode, String(server.addr.port)]);
        assert.equal(client.code, 0, client.stderr);
        assert.equal(client.stderr, "");
        const guesses = checkDemoOutput(client.stdout);
        assert.deepEqual(serverReports(logged), guesses);
      },
    );
  }
});

/** The largest W with 2^W <= 3N. */
function bound(size: bigint): number {
  let w = 0;
  while (2n ** BigInt(w + 1) <= 3n * size) w++;
  return w;
}

describe(`the smart strategy against the reference clients on ${RUNTIME}`, () => {
  for (const mode of ["threaded-client", "async-client"]) {
    test(
      titled(`the reference ${mode} is found within W + 1 guesses in each demo game`, skip),
      { skip },
      async () => {
        await using server = await serve({ port: 0, strategy: "smart", quiet: true });
        for (let round = 0; round < 5; round++) {
          const client = await run("python3", [ref.path!, mode, String(server.addr.port)]);
          assert.equal(client.code, 0, client.stderr);
          const guesses = checkDemoOutput(client.stdout);
          // The first game (1..5, five guesses) always ends Correct.
          const first = guesses.findIndex((line) => line.endsWith(" is Correct")) + 1;
          const games = [guesses.slice(0, first), guesses.slice(first)];
          for (const [i, [lower, upper]] of [[1n, 5n], [10n, 15n]].entries()) {
            assert.ok(games[i].at(-1)?.endsWith(" is Correct"), `game ${i + 1}: ${games[i]}`);
            assert.ok(
              games[i].length <= bound(upper - lower + 1n) + 1,
              `game ${i + 1}: ${games[i]}`,
            );
          }
        }
      },
    );
  }
});
