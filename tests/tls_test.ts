/**
 * TLS on both sides: games over TLS with this runtime's client against every
 * runtime's server; Python's `ssl` as a client, and as a front for the
 * reference server; certificates that must be refused; peers that do not
 * speak TLS, or do not finish speaking it.
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import process from "node:process";
import { serve } from "../server.ts";
import { CertificateError, type Client, connect, ConnectionClosedError } from "../client.ts";
import { scriptCommand } from "../_cli/child.ts";
import {
  checkDemoOutput,
  pythonSkip,
  reference,
  ROOT,
  run,
  Running,
  RUNTIME,
  runtimeCommand,
  titled,
} from "./_helpers.ts";
import { RawClient, within } from "./_raw_client.ts";
import { type Certificates, makeCertificates, opensslSkip } from "./_tls.ts";

const skip = await opensslSkip();
const noPython = skip || await pythonSkip();
const ref = reference();
const PEER = join(ROOT, "tests", "tls_peer.py");

/** Plays `games` games of 1..100 with a random secret; returns the guesses of each. */
async function play(client: Client, games = 2): Promise<number[]> {
  const counts: number[] = [];
  for (let i = 0; i < games; i++) {
    const secret = 1 + Math.floor(Math.random() * 100);
    await using game = await client.session(1, 100, secret);
    let count = 0;
    let last = "";
    for await (const n of game.requestNumbers(1000)) {
      count++;
      last = await game.reportOutcome(n);
    }
    assert.equal(last, "Correct", `game ${i + 1} (secret ${secret}) did not end Correct`);
    counts.push(count);
  }
  return counts;
}

/** The number of this process's open file descriptors, where Linux says (else `undefined`). */
function openFds(): number | undefined {
  return existsSync("/proc/self/fd") ? readdirSync("/proc/self/fd").length : undefined;
}

describe(`TLS on ${RUNTIME}`, () => {
  let certs: Certificates;
  before(async () => {
    if (!skip) certs = await makeCertificates();
  });
  after(() => certs?.remove());

  /** A server of `pair`'s certificate (the CA-signed one unless told), on a free port. */
  const tlsServer = (options: Parameters<typeof serve>[0] = {}, pair = certs.server) =>
    serve({ port: 0, quiet: true, tls: { cert: pair.cert, key: pair.key }, ...options });
  /** tests/tls_peer.py's client, trusting the test CA, playing `games` games. */
  const pythonClient = (port: number, games: number) =>
    run("python3", [PEER, "client", certs.caFile, String(port), String(games)]);

  test(titled("a game over TLS, verified by address and by name", skip), { skip }, async () => {
    await using server = await tlsServer();
    for (const hostname of ["127.0.0.1", "localhost"]) {
      await using client = await connect({
        hostname,
        port: server.addr.port,
        tls: { ca: certs.ca },
      });
      assert.equal((await play(client)).length, 2);
    }
  });

  for (const runtime of ["deno", "bun", "node"] as const) {
    test(
      titled(`this runtime's client plays server.ts on ${runtime} over TLS`, skip),
      { skip },
      async () => {
        const command = scriptCommand(join(ROOT, "server.ts"), {
          runtime,
          executable: join(ROOT, "node_modules", ".bin", runtime),
          denoFlags: ["--allow-net", "--allow-read"],
          args: [
            "--port",
            "0",
            "--quiet",
            "--tls-cert",
            certs.server.certFile,
            "--tls-key",
            certs.server.keyFile,
          ],
        });
        await using server = new Running(command.command, [...command.args ?? []], command.env);
        const port = await server.port();
        await using client = await connect({ port, tls: { ca: certs.ca } });
        assert.equal((await play(client, 3)).length, 3);
        // And a plaintext client of the same port gets no game.
        await using plain = await connect({ port, timeout: 5_000 });
        await assert.rejects(play(plain, 1));
      },
    );
  }

  test(
    titled(
      "client.ts --tls-ca plays the demo; --play too; a refused certificate is one line",
      skip,
    ),
    { skip, timeout: 60_000 },
    async () => {
      await using server = await tlsServer();
      const port = String(server.addr.port);
      const flags = ["--allow-net", "--allow-read"];
      const [command, args] = runtimeCommand(
        "client.ts",
        ["--port", port, "--tls-ca", certs.caFile],
        flags,
      );
      const demo = await run(command, args);
      assert.equal(demo.code, 0, demo.stderr);
      checkDemoOutput(demo.stdout);
      const [, playArgs] = runtimeCommand(
        "client.ts",
        ["--port", port, "--tls-ca", certs.caFile, "--play", "--lower", "7", "--upper", "7"],
        flags,
      );
      const played = await run("sh", ["-c", 'echo y | "$0" "$@"', command, ...playArgs]);
      assert.equal(played.code, 0, played.stderr);
      assert.match(played.stdout, /\b7\b/);
      const [, refusedArgs] = runtimeCommand(
        "client.ts",
        ["--port", port, "--tls-ca", certs.untrusted.certFile],
        flags,
      );
      const refused = await run(command, refusedArgs);
      assert.equal(refused.code, 1);
      assert.equal(refused.stdout, "");
      assert.match(refused.stderr, /^client\.ts: Cannot connect to .*certificate.*\n$/);
      assert.equal(refused.stderr.split("\n").length, 2, refused.stderr);
    },
  );

  test(
    titled("an untrusted, a wrong-name and an expired certificate are refused, typed", skip),
    { skip },
    async () => {
      await using good = await tlsServer();
      const untrusted = await tlsServer({}, certs.untrusted);
      const expired = await tlsServer({}, certs.expired);
      try {
        const cases: [string, Parameters<typeof connect>[0], string][] = [
          ["untrusted", { port: untrusted.addr.port, tls: { ca: certs.ca } }, "untrusted"],
          ["the system's roots", { port: good.addr.port, tls: true }, "untrusted"],
          ["wrong name", {
            port: good.addr.port,
            tls: { ca: certs.ca, serverName: "example.com" },
          }, "name"],
          ["expired", { port: expired.addr.port, tls: { ca: certs.ca } }, "expired"],
        ];
        for (const [what, options, problem] of cases) {
          await assert.rejects(connect(options), (error: unknown) => {
            assert.ok(error instanceof CertificateError, `${what}: ${error}`);
            assert.ok(error instanceof ConnectionClosedError);
            assert.equal(error.problem, problem, `${what}: ${error.message}`);
            assert.match(error.message, /certificate/);
            return true;
          });
        }
        // Refused peers leave the server as it was.
        await using client = await connect({ port: good.addr.port, tls: { ca: certs.ca } });
        assert.equal((await play(client, 1)).length, 1);
      } finally {
        await untrusted.close();
        await expired.close();
      }
    },
  );

  test(
    titled("a plaintext client on the TLS port is closed; the server is fine", skip),
    { skip },
    async () => {
      await using server = await tlsServer();
      await using raw = await RawClient.connect(server.addr.port);
      await raw.write("PARAMS 1 100\nNUMBER\n");
      await raw.expectClosed();
      await using client = await connect({ port: server.addr.port, tls: { ca: certs.ca } });
      assert.equal((await play(client, 1)).length, 1);
    },
  );

  test(
    titled("a TLS client against a plaintext server fails with a clear error, not a hang", skip),
    { skip },
    async () => {
      // Our plaintext server answers the ClientHello with an ERROR line.
      await using plain = await serve({ port: 0, quiet: true });
      await assert.rejects(
        connect({ port: plain.addr.port, tls: { ca: certs.ca } }),
        (error: unknown) => {
          assert.ok(error instanceof ConnectionClosedError && !(error instanceof CertificateError));
          assert.match(error.message, /over TLS/);
          return true;
        },
      );
      // A server that waits for a line without end: the handshake's timeout.
      const silent = createServer(() => {});
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
      try {
        const port = (silent.address() as { port: number }).port;
        const start = performance.now();
        await assert.rejects(
          connect({ port, tls: { ca: certs.ca, handshakeTimeout: 300 } }),
          { name: "TimeoutError", message: /TLS handshake did not finish within 300 ms/ },
        );
        const took = performance.now() - start;
        assert.ok(took >= 250 && took < 5_000, `took ${took} ms`);
      } finally {
        silent.close();
      }
    },
  );

  test(
    titled("garbage as a ClientHello is closed; a half handshake, at the handshake timeout", skip),
    { skip },
    async () => {
      await using server = await tlsServer({ handshakeTimeout: 400 });
      await using garbage = await RawClient.connect(server.addr.port);
      await garbage.write(new Uint8Array(300).map((_, i) => (i * 37 + 11) & 0xff));
      await garbage.expectClosed();
      // A TLS record header that announces a ClientHello, and half of one.
      await using half = await RawClient.connect(server.addr.port);
      const start = performance.now();
      await half.write(
        new Uint8Array([0x16, 0x03, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0xfc, 3, 3]),
      );
      await half.expectClosed(5_000);
      const took = performance.now() - start;
      assert.ok(took >= 350, `closed after ${took} ms, before the handshake timeout`);
      await using client = await connect({ port: server.addr.port, tls: { ca: certs.ca } });
      assert.equal((await play(client, 1)).length, 1);
    },
  );

  test(
    titled(
      "1000 silent peers count towards maxConnections, do not stall a player, and are closed",
      skip,
    ),
    { skip, timeout: 60_000 },
    async () => {
      const timeout = 1_500;
      await using server = await tlsServer({ handshakeTimeout: timeout, maxConnections: 1001 });
      const fdsBefore = openFds();
      const rssBefore = process.memoryUsage().rss;
      const peers = await Promise.all(
        Array.from({ length: 1000 }, () => RawClient.connect(server.addr.port)),
      );
      const opened = performance.now();
      try {
        // They hold 1000 of the 1001 places: one player is served, a second is busy.
        await within(
          (async () => {
            while (server.connections < 1000) await new Promise((r) => setTimeout(r, 10));
          })(),
          5_000,
          "the server to count the silent peers",
        );
        await using client = await connect({ port: server.addr.port, tls: { ca: certs.ca } });
        assert.equal((await play(client, 1)).length, 1);
        const playedIn = performance.now() - opened;
        assert.ok(playedIn < timeout, `the player waited ${playedIn} ms, for the silent peers`);
        await using busy = await connect({ port: server.addr.port, tls: { ca: certs.ca } });
        await assert.rejects(play(busy, 1), { code: "busy" });
        // Then every silent one is closed by its deadline.
        await Promise.all(peers.map((peer) => peer.expectClosed(timeout + 10_000)));
        const rssGrowth = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
        assert.ok(rssGrowth < 200, `RSS grew by ${rssGrowth.toFixed(1)} MiB`);
      } finally {
        for (const peer of peers) peer.destroy();
      }
      await within(
        (async () => {
          while (server.connections > 1) await new Promise((r) => setTimeout(r, 10));
        })(),
        5_000,
        "the server to let go of the silent peers",
      );
      const fdsAfter = openFds();
      if (fdsBefore !== undefined && fdsAfter !== undefined) {
        assert.ok(fdsAfter < fdsBefore + 50, `fds: ${fdsBefore} before, ${fdsAfter} after`);
      }
    },
  );

  test(
    titled("Python's ssl client verifies the chain and the name and plays our server", noPython),
    { skip: noPython },
    async () => {
      await using server = await tlsServer();
      const result = await pythonClient(server.addr.port, 3);
      assert.equal(result.code, 0, result.stderr);
      const won = result.stdout.split("\n").filter((line) => /^won \d+ in \d+ guesses$/.test(line));
      assert.equal(won.length, 3, result.stdout);
      assert.match(result.stdout, /\ndone\n$/);
      // The same client refuses a certificate its CA did not sign.
      await using untrusted = await tlsServer({}, certs.untrusted);
      const refused = await pythonClient(untrusted.addr.port, 1);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /CERTIFICATE_VERIFY_FAILED/);
    },
  );

  const noReference = noPython || ref.skip;
  test(
    titled("our client plays the reference server behind Python's ssl", noReference),
    { skip: noReference },
    async () => {
      await using reference = new Running("python3", [
        join(ROOT, "tests", "reference_port0.py"),
        "async-server",
        "--quiet",
      ]);
      const target = await reference.port();
      await using front = new Running("python3", [
        PEER,
        "front",
        certs.server.certFile,
        certs.server.keyFile,
        String(target),
      ]);
      const port = await front.port();
      await using client = await connect({ port, hostname: "localhost", tls: { ca: certs.ca } });
      assert.equal((await play(client, 2)).length, 2);
    },
  );
});
