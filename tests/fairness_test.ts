/**
 * Fair turns (_transport/turns.ts, _server/connection.ts): a player beside
 * peers that pipeline without end and never read is served between their
 * turns, not after their floods; and once they leave, everyone is served.
 *
 * No timing is asserted: the server counts the reports it answers (through
 * `onReport`), the flooders' and the player's apart, and the test holds what
 * share of the flood was answered by the time the player's round trips were
 * done. Answered in the order it arrived, the flood is mostly answered by
 * then; in fair turns, only a small share.
 *
 * Runs unchanged under `node --test`, `bun test` and `deno test -A`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { serve } from "../server.ts";
import { RUNTIME } from "./_helpers.ts";
import { RawClient, READ_TIMEOUT, within } from "./_raw_client.ts";

/** Every test's ceiling (Bun's default is 5 s); the waits inside have their own. */
const LIMIT = { timeout: 120_000 };
const FLOODERS = 16;
/** Each flooder's round trips, all in one write: `NUMBER`, `REPORT Unsure`. */
const FLOOD_PAIRS = 100_000;
/** The player's round trips, one at a time. */
const PLAYER_ROUND_TRIPS = 60;

test(
  `serve(): a player's ${PLAYER_ROUND_TRIPS} round trips beside ${FLOODERS} peers that pipeline ${FLOOD_PAIRS} round trips each and never read are done before a fifth of the flood is answered; once the peers leave, a new player is served`,
  LIMIT,
  async () => {
    let flood = 0;
    let played = 0;
    let flooding!: () => void;
    const begun = new Promise<void>((resolve) => flooding = resolve);
    await using server = await serve({
      hostname: "127.0.0.1",
      port: 0,
      shutdownTimeout: 0,
      // The flooders report Unsure, the player Warmer.
      onReport: (_guess, decision) => {
        if (decision !== "Unsure") played++;
        else if (flood++ === 0) flooding();
      },
    });
    const port = server.addr.port;
    const flooders = await Promise.all(
      Array.from({ length: FLOODERS }, () => RawClient.connect(port)),
    );
    const request = "PARAMS 1 1000000000000\n" + "NUMBER\nREPORT Unsure\n".repeat(FLOOD_PAIRS);
    for (const flooder of flooders) {
      flooder.pause();
      flooder.write(request, Infinity).catch(() => {}); // never read: it stays unwritten
    }
    await using player = await RawClient.connect(port);
    await player.write("PARAMS 1 1000000000000\n");
    // The flood has begun before the player's first line.
    await within(begun, READ_TIMEOUT, "the first flood line to be answered");
    for (let i = 0; i < PLAYER_ROUND_TRIPS; i++) {
      await player.write("NUMBER\n");
      const guess = await player.line(4 * READ_TIMEOUT);
      assert.match(guess, /^\d+$/, `round trip ${i}: a guess`);
      await player.write("REPORT Warmer\n");
    }
    const share = flood / (FLOODERS * FLOOD_PAIRS);
    console.log(
      `fairness on ${RUNTIME}: ${flood} of ${FLOODERS * FLOOD_PAIRS} flood round trips ` +
        `answered (${(share * 100).toFixed(1)}%) by the player's ${PLAYER_ROUND_TRIPS}th`,
    );
    assert.ok(share < 0.2, `${(share * 100).toFixed(1)}% of the flood was answered first`);

    for (const flooder of flooders) flooder.destroy();
    await within(
      (async () => {
        while (server.connections > 1) await new Promise((resolve) => setTimeout(resolve, 5));
      })(),
      6 * READ_TIMEOUT,
      "the flooders' connections to close",
    );
    await using next = await RawClient.connect(port);
    await next.write("PARAMS 3 3\nNUMBER\n");
    assert.equal(await next.line(), "3");
    assert.ok(played >= PLAYER_ROUND_TRIPS - 1, "the player's reports were answered");
  },
);
