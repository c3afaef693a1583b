/** deploy/haproxy.cfg, run as it is with its ports replaced, in front of two servers. */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect as netConnect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, connect, webSocketStreams } from "../client.ts";
import { serve } from "../server.ts";
import { ROOT, Running, titled } from "./_helpers.ts";
import { within } from "./_raw_client.ts";

const skip = spawnSync("haproxy", ["-v"]).status === 0
  ? false
  : "haproxy is absent (Debian's haproxy package; .ci/run installs it)";

/** A game of 1..10 on each client, each played to Correct; then each client closed. */
async function playAll(clients: readonly Client[]): Promise<void> {
  for (const [i, c] of clients.entries()) {
    await using game = await c.session(1, 10, 1 + (i % 10));
    let last;
    for await (const n of game.requestNumbers(10)) last = await game.reportOutcome(n);
    assert.equal(last, "Correct");
  }
  await Promise.all(clients.map((c) => c.close()));
}

/** A port free right now: bound on port 0, read back, released for HAProxy. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const port = (probe.address() as { port: number }).port;
      probe.close(() => resolve(port));
    });
  });
}

test(
  titled(
    "deploy/haproxy.cfg spreads games over two servers, TCP and WebSocket, every game played whole; its web front closes dawdlers",
    skip,
  ),
  {
    skip,
    timeout: 90_000,
  },
  async () => {
    const reports = [0, 0];
    const web = { port: 0 };
    // The servers' own deadline for a request's head is far off, so that a
    // dawdler closed within the test is closed by HAProxy.
    const options = { port: 0, web, handshakeTimeout: 120_000 };
    await using one = await serve({ ...options, log: () => reports[0]++ });
    await using two = await serve({ ...options, log: () => reports[1]++ });
    const front = await freePort();
    const webFront = await freePort();
    // One pass, whole ports only: replaced one after the other, a front port
    // such as 43315 would itself be taken for the first server's 4331.
    const ports: Record<string, number> = {
      "4321": front,
      "4331": one.addr.port,
      "4332": two.addr.port,
      "8080": webFront,
      "8081": one.web!.port,
      "8082": two.web!.port,
    };
    const config = readFileSync(join(ROOT, "deploy", "haproxy.cfg"), "utf8")
      .replace(
        /127\.0\.0\.1:(4321|4331|4332|8080|8081|8082)(?!\d)/g,
        (_, port) => `127.0.0.1:${ports[port]}`,
      );
    const dir = mkdtempSync(join(tmpdir(), "warmer-colder-"));
    try {
      const file = join(dir, "haproxy.cfg");
      writeFileSync(file, config);
      const check = spawnSync("haproxy", ["-c", "-q", "-f", file], { encoding: "utf8" });
      assert.equal(check.status, 0, `the config is invalid: ${check.stderr}${check.stdout}`);
      await using proxy = new Running("haproxy", ["-db", "-f", file]);
      // HAProxy says nothing when it listens: try until it answers, boundedly.
      let client;
      for (let attempt = 0; client === undefined; attempt++) {
        try {
          client = await connect({ port: front, timeout: 5_000 });
        } catch (error) {
          if (attempt > 50) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      await client.close();
      const clients = await Promise.all(
        Array.from({ length: 20 }, () => connect({ port: front, timeout: 5_000 })),
      );
      await playAll(clients);
      assert.ok(reports[0] > 0 && reports[1] > 0, `reports per server: ${reports}`);
      // The web front: the page, then games over WebSocket on both servers.
      const page = await fetch(`http://127.0.0.1:${webFront}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<html/);
      const before = [...reports];
      const players = Array.from(
        { length: 20 },
        () => new Client(webSocketStreams(new WebSocket(`ws://127.0.0.1:${webFront}/ws`))),
      );
      await playAll(players);
      assert.ok(
        reports[0] > before[0] && reports[1] > before[1],
        `WebSocket reports per server: ${reports[0] - before[0]}, ${reports[1] - before[1]}`,
      );
      // Dawdlers on the web front: HAProxy connects no server before a head is
      // whole, and answers them itself, 408, after its `timeout http-request`.
      const dawdlers = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          new Promise<Socket>((resolve, reject) => {
            const socket = netConnect({ host: "127.0.0.1", port: webFront });
            socket.once("error", reject);
            socket.once("connect", () => {
              socket.on("error", () => {});
              // Half say nothing; half start an upgrade and never end its head.
              if (i % 2 === 1) socket.write("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: web");
              resolve(socket);
            });
          })),
      );
      const answers = dawdlers.map((socket) =>
        new Promise<string>((resolve) => {
          let text = "";
          socket.setEncoding("latin1");
          socket.on("data", (chunk: string) => text += chunk);
          socket.once("close", () => resolve(text));
        })
      );
      try {
        const texts = await within(Promise.all(answers), 20_000, "HAProxy closes the dawdlers");
        for (const text of texts) {
          assert.match(
            text,
            /^HTTP\/1\.1 408 .*didn't send a complete request/s,
            "HAProxy's own 408",
          );
        }
      } finally {
        for (const socket of dawdlers) socket.destroy();
      }
      void proxy;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
