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
} from "./_helpers.ts";

const ref = reference();
const skip = ref.skip || await pythonSkip();

describe(`conformance with the reference on ${RUNTIME}`, () => {
  for (const mode of ["threaded-server", "async-server"]) {
    test(`our client plays the demo against the reference ${mode}`, { skip }, async () => {
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
    });
  }

  for (const mode of ["threaded-client", "async-client"]) {
    test(`the reference ${mode} plays the demo against our server`, { skip }, async () => {
      const logged: string[] = [];
      await using server = await serve({ port: 0, log: (line) => logged.push(line) });
      const client = await run("python3", [ref.path!, mode, String(server.addr.port)]);
      assert.equal(client.code, 0, client.stderr);
      assert.equal(client.stderr, "");
      const guesses = checkDemoOutput(client.stdout);
      assert.deepEqual(serverReports(logged), guesses);
    });
  }
});
