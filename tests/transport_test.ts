/**
 * The runtime adapters under the server, over real loopback sockets: the
 * listener keeps accepting after peers that reset before they are accepted.
 *
 * Runs unchanged under `node --test`, `bun test` and `deno test -A`. The
 * peers are `node:net`, which all three runtimes have; every wait has a
 * timeout, so no test can hang.
 *
 * @module
 */

import assert from "node:assert/strict";
import { connect as netConnect } from "node:net";
import { describe, test } from "node:test";
import { Running, runtimeCommand } from "./_helpers.ts";
import { HOST, RawClient, READ_TIMEOUT, within } from "./_raw_client.ts";

/** Every test's ceiling (Bun's default is 5 s); the waits inside have their own. */
const LIMIT = { timeout: 60_000 };
const GAME = "PARAMS 1 10\n";

/** Asserts `line` is a decimal integer in `lower..upper`. */
function assertNumber(line: string, lower: bigint, upper: bigint): void {
  assert.match(line, /^-?[0-9]+$/, `expected a number, got ${JSON.stringify(line)}`);
  const value = BigInt(line);
  assert.ok(value >= lower && value <= upper, `${value} is outside ${lower}..${upper}`);
}

// ---------------------------------------------------------------------------
// Accepting

/**
 * A peer that connects, sends a game and a NUMBER, and resets the connection
 * (SO_LINGER 0) at once: often before the server has accepted it.
 */
function resetPeer(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: HOST, port });
    socket.on("error", () => {}); // a refused or reset connection: it closes all the same
    socket.on("close", () => resolve());
    socket.on("connect", () => {
      socket.write(GAME + "NUMBER\n");
      socket.resetAndDestroy();
    });
  });
}

describe("accepting", () => {
  test(
    "after 400 peers that connect, send a line and reset, a new peer is answered within 2 s",
    LIMIT,
    async () => {
      // The server runs in a process of its own: in this one it would accept
      // every peer before the peer's reset arrived, and never meet one gone.
      const [command, args] = runtimeCommand("server.ts", ["--port", "0", "--quiet"]);
      await using server = new Running(command, args);
      const port = await server.port();
      for (let batch = 0; batch < 4; batch++) {
        const peers = Array.from({ length: 100 }, () => resetPeer(port));
        await within(Promise.all(peers), 2 * READ_TIMEOUT, "100 peers to connect and reset");
      }
      await using client = await RawClient.connect(port);
      await client.write(GAME + "NUMBER\n");
      assertNumber(await client.line(2_000), 1n, 10n);
    },
  );
});
