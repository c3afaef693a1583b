/**
 * The server's memory under hostile peers, measured as the resident set of a
 * server process of its own (so that the test's clients do not count): peers
 * that flood endless lines all at once, then one that sends lines and never
 * reads the replies.
 *
 * Linux only (it reads `/proc/PID/status`). Runs unchanged under `node --test`,
 * `bun test` and `deno test --allow-net --allow-read --allow-run --allow-env`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import process from "node:process";
import { test } from "node:test";
import { Running, RUNTIME, runtimeCommand, titled } from "./_helpers.ts";
import { RawClient, within } from "./_raw_client.ts";

const MiB = 2 ** 20;
const skip = process.platform === "linux" ? false : "reads the server's RSS from /proc";

/** The resident set and its peak (`VmRSS`, `VmHWM`) of process `pid`, in bytes. */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)![1]) * 1024;
  return { rss: field("VmRSS"), peak: field("VmHWM") };
}

/** `NUMBER` over 1..5 answers a number of 1..5. */
async function oneGuess(port: number): Promise<void> {
  await using client = await RawClient.connect(port);
  await client.write("PARAMS 1 5\nNUMBER\n");
  assert.match(await client.line(), /^[1-5]$/);
}

test(
  titled(
    "memory: 300 peers flooding 1 MiB each with no newline at once grow the server's RSS by < 32 MiB (< 8 MiB on Node, which reads into one shared buffer), and one more then sending 6 MiB of NUMBER lines unread keeps it < 64 MiB; the server serves on",
    skip,
  ),
  { timeout: 120_000, skip },
  async () => {
    const [command, args] = runtimeCommand("server.ts", ["--port", "0", "--quiet"]);
    await using server = new Running(command, args);
    const port = await server.port();
    const pid = await server.pid();
    await oneGuess(port); // warms up the server's code before measuring
    const before = memory(pid).rss;

    // Every peer connects first, then all send at once: 1 MiB with no newline.
    const peers = await Promise.all(Array.from({ length: 300 }, () => RawClient.connect(port)));
    const payload = Buffer.alloc(MiB, "x".charCodeAt(0));
    let refused = 0;
    await Promise.all(peers.map(async (peer) => {
      try {
        // Rejects once the server has closed: EPIPE or ECONNRESET.
        await peer.write(payload).catch(() => {});
        // A Node client whose write failed may be torn down before it reads the reply.
        const line = await peer.readLine();
        if (line !== null) {
          assert.match(line, /^ERROR line-too-long /);
          refused++;
          await peer.expectClosed();
        }
        assert.ok(peer.eof, "the server closed the connection");
      } finally {
        peer.destroy();
      }
    }));
    assert.ok(refused > 0, "no peer read ERROR line-too-long");
    const flood = memory(pid).peak - before;

    // One peer plays, sends 6 MiB of NUMBER lines and never reads a reply.
    const deaf = await RawClient.connect(port);
    try {
      deaf.pause();
      const lines = "PARAMS 1 1000000\n" + "NUMBER\n".repeat(Math.floor(6 * MiB / 7));
      // Taken whole or stuck once the server has stopped reading: either is fine.
      await within(deaf.write(lines, Infinity), 10_000, "6 MiB to be taken").catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 1000));
    } finally {
      deaf.destroy();
    }
    await oneGuess(port);
    const total = memory(pid).peak - before;

    const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
    console.log(`memory on ${RUNTIME}: the flood +${mib(flood)}, in all +${mib(total)}`);
    assert.ok(
      flood < (RUNTIME === "node" ? 8 : 32) * MiB,
      `the flood grew the server's RSS by ${mib(flood)}`,
    );
    assert.ok(total < 64 * MiB, `the server's RSS peaked ${mib(total)} above its start`);
  },
);
