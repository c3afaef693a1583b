/** `server.ts --workers N`: several processes on one port, one shutdown for all. */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { type Client, connect } from "../client.ts";
import { ROOT, Running, RUNTIME, titled } from "./_helpers.ts";

/** How many sockets a process holds, from /proc. */
function sockets(pid: number): number {
  const dir = `/proc/${pid}/fd`;
  let count = 0;
  for (const fd of readdirSync(dir)) {
    try {
      if (readlinkSync(join(dir, fd)).startsWith("socket:")) count++;
    } catch { /* closed meanwhile */ }
  }
  return count;
}

const skip = existsSync("/proc/self/fd")
  ? false
  : "needs Linux's /proc to see each worker's sockets";

test(
  titled(
    `server.ts --workers 2 on ${RUNTIME}: connections reach every worker; SIGTERM stops all`,
    skip,
  ),
  {
    skip,
  },
  async () => {
    const script = join(ROOT, "server.ts");
    const args = RUNTIME === "deno" ? ["run", "-A", "--unstable-net", script] : [script];
    await using server = new Running(process.execPath, [
      ...args,
      "--port",
      "0",
      "--workers",
      "2",
      "--quiet",
    ]);
    const port = await server.port();
    const pids = (await server.waitFor(/^Workers: ([\d ]+)$/))[1].split(" ").map(Number);
    assert.equal(pids.length, 2);
    const before = pids.map(sockets);
    const clients: Client[] = [];
    try {
      for (let i = 0; i < 40; i++) {
        const client = await connect({ port });
        clients.push(client);
        const game = await client.session(1, 10, 5);
        const first = await game.requestNumbers(1).next();
        assert.ok(first.value! >= 1n && first.value! <= 10n);
      }
      const after = pids.map(sockets);
      for (let i = 0; i < pids.length; i++) {
        assert.ok(
          after[i] > before[i],
          `worker ${pids[i]} got no connection: ${before} -> ${after}`,
        );
      }
      assert.ok(after[0] - before[0] + after[1] - before[1] >= 40, `${before} -> ${after}`);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
    assert.equal(await server.stop(), 0);
    for (const pid of pids) assert.ok(!existsSync(`/proc/${pid}/fd`), `worker ${pid} still runs`);
  },
);
