import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Client, connect, ConnectionClosedError } from "../client.ts";
import { type Decision, ProtocolError, readLines } from "../protocol.ts";
import { serve } from "../server.ts";

/**
 * A client over in-memory streams, facing a scripted server: `answer` gets
 * every line the client sends and returns the reply lines, or `null` to
 * close the connection.
 */
function scripted(answer: (line: string) => string[] | null, options = {}) {
  const toServer = new TransformStream<Uint8Array, Uint8Array>();
  const toClient = new TransformStream<Uint8Array, Uint8Array>();
  const received: string[] = [];
  const writer = toClient.writable.getWriter();
  const done = (async () => {
    for await (const line of readLines(toServer.readable)) {
      received.push(line);
      const replies = answer(line);
      if (replies === null) {
        await writer.close();
        return;
      }
      for (const reply of replies) await writer.write(new TextEncoder().encode(reply + "\n"));
    }
    await writer.close().catch(() => {});
  })();
  const client = new Client({ readable: toClient.readable, writable: toServer.writable }, options);
  return { client, received, done };
}

/** A scripted server that answers NUMBER with the given replies in turn. */
function replying(...replies: string[]) {
  return scripted((line) =>
    line === "NUMBER" ? [replies.shift() ?? "ERROR exhausted none left"] : []
  );
}

describe("Client over in-memory streams", () => {
  test("session() sends PARAMS on entry and PARAMS 0 -1 on exit; requestNumbers() stops after Correct", async () => {
    const { client, received, done } = replying("1", "4", "3", "5");
    const decisions: [bigint, Decision][] = [];
    {
      await using game = await client.session(1, 5, 3);
      for await (const n of game.requestNumbers(5)) {
        decisions.push([n, await game.reportOutcome(n)]);
      }
    }
    await client.close();
    await done;
    assert.deepEqual(decisions, [[1n, "Unsure"], [4n, "Warmer"], [3n, "Correct"]]);
    assert.deepEqual(received, [
      "PARAMS 1 5",
      "NUMBER",
      "REPORT Unsure",
      "NUMBER",
      "REPORT Warmer",
      "NUMBER",
      "REPORT Correct",
      "PARAMS 0 -1",
    ]);
  });

  test("the game scope sends PARAMS 0 -1 when its body throws or breaks out of the loop", async () => {
    const { client, received, done } = replying("2", "7");
    await assert.rejects(async () => {
      await using game = await client.session(0, 9, 5);
      for await (const n of game.requestNumbers(5)) {
        await game.reportOutcome(n);
        throw new Error("body failed");
      }
    }, /body failed/);
    {
      await using game = await client.session(0, 9, 5);
      for await (const n of game.requestNumbers(5)) {
        await game.reportOutcome(n);
        break;
      }
    }
    await client.close();
    await done;
    assert.deepEqual(received, [
      "PARAMS 0 9",
      "NUMBER",
      "REPORT Unsure",
      "PARAMS 0 -1",
      "PARAMS 0 9",
      "NUMBER",
      "REPORT Unsure",
      "PARAMS 0 -1",
    ]);
  });

  test("requestNumbers() rejects an ERROR reply with a ProtocolError carrying its code", async () => {
    const { client } = replying("ERROR exhausted Every number of 1..5 has been guessed");
    await using game = await client.session(1, 5, 3);
    await assert.rejects(
      game.requestNumbers(1).next(),
      (e) => e instanceof ProtocolError && e.code === "exhausted" && /1\.\.5/.test(e.message),
    );
    await client.close();
  });

  test("requestNumbers() rejects a reply outside the range, or not an integer, as bad-reply", async () => {
    for (const reply of ["6", "0", "three", "3.0", "", "ERROR"]) {
      const { client } = replying(reply);
      const game = await client.session(1, 5, 3);
      await assert.rejects(
        game.requestNumbers(1).next(),
        (e) => e instanceof ProtocolError && e.code === "bad-reply",
        JSON.stringify(reply),
      );
      await client.close();
    }
  });

  test("the server closing mid-game rejects with ConnectionClosedError, and the scope still exits", async () => {
    const { client } = scripted((line) => line === "NUMBER" ? null : []);
    await assert.rejects(async () => {
      await using game = await client.session(1, 5, 3);
      for await (const n of game.requestNumbers(5)) await game.reportOutcome(n);
    }, ConnectionClosedError);
    assert.equal(client.closed, true);
  });

  test("a silent server rejects with a TimeoutError after the timeout", async () => {
    const { client } = scripted(() => [], { timeout: 50 });
    const game = await client.session(1, 5, 3);
    const started = Date.now();
    await assert.rejects(
      game.requestNumbers(1).next(),
      (e) => e instanceof Error && e.name === "TimeoutError",
    );
    assert.ok(Date.now() - started < 5_000);
    await client.close();
  });

  test("an aborted signal rejects the wait with the signal's reason", async () => {
    const controller = new AbortController();
    const { client } = scripted(() => [], { signal: controller.signal, timeout: 0 });
    const game = await client.session(1, 5, 3);
    const reason = new Error("stop waiting");
    const pending = game.requestNumbers(1).next();
    controller.abort(reason);
    await assert.rejects(pending, (e) => e === reason);
    await client.close();
  });

  test("session() refuses a bad range, a secret outside it, non-integers, and a second open game", async () => {
    const { client } = replying();
    await assert.rejects(client.session(5, 1, 3), RangeError);
    await assert.rejects(client.session(1, 5, 6), RangeError);
    await assert.rejects(client.session(1.5, 5, 3), TypeError);
    const game = await client.session(1, 5, 3);
    await assert.rejects(client.session(1, 5, 3), /already open/);
    await game[Symbol.asyncDispose]();
    await game[Symbol.asyncDispose]();
    await (await client.session(1, 5, 3))[Symbol.asyncDispose]();
    await client.close();
    await client.close();
  });

  test("reportOutcome() refuses a number that is not the last guess, and a second report", async () => {
    const { client } = replying("2");
    const game = await client.session(1, 5, 3);
    for await (const n of game.requestNumbers(1)) {
      await assert.rejects(game.reportOutcome(n + 1n), /not the last guess/);
      assert.equal(await game.reportOutcome(n), "Unsure");
      await assert.rejects(game.reportOutcome(n), /reported already/);
    }
    await client.close();
  });
});

describe("connect() over loopback", () => {
  test("plays the demo games against serve(), exactly and in range", async () => {
    await using server = await serve({ port: 0, quiet: true });
    await using client = await connect({ port: server.addr.port });
    for (const [lower, upper, secret] of [[1n, 5n, 3n], [10n, 15n, 12n]]) {
      await using game = await client.session(lower, upper, secret);
      const seen = new Set<bigint>();
      let last: Decision | undefined;
      for await (const n of game.requestNumbers(upper - lower + 1n > 5n ? 6 : 5)) {
        assert.ok(n >= lower && n <= upper && !seen.has(n));
        seen.add(n);
        last = await game.reportOutcome(n);
      }
      assert.equal(last, "Correct");
    }
  });

  test("plays a game over a 10^30-wide range with exact, in-range, distinct guesses", async () => {
    await using server = await serve({ port: 0, quiet: true });
    await using client = await connect({ port: server.addr.port });
    const lower = -(10n ** 29n);
    const upper = lower + 10n ** 30n - 1n;
    await using game = await client.session(lower, upper, 123456789012345678901234567n);
    const seen = new Set<bigint>();
    for await (const n of game.requestNumbers(300)) {
      assert.ok(n >= lower && n <= upper && !seen.has(n));
      seen.add(n);
      await game.reportOutcome(n);
    }
    assert.equal(seen.size, 300);
  });

  test("fails fast with ConnectionClosedError where nothing listens", async () => {
    const server = await serve({ port: 0, quiet: true });
    const port = server.addr.port;
    await server.close();
    const started = Date.now();
    await assert.rejects(
      connect({ port }),
      (e) => e instanceof ConnectionClosedError && /Cannot connect/.test(e.message),
    );
    assert.ok(Date.now() - started < 5_000);
  });

  test("refuses a port out of range", async () => {
    await assert.rejects(connect({ port: 70000 }), RangeError);
  });

  test("refuses a timeout past 2^31 - 1 ms, which a timer would fire at once", async () => {
    await using server = await serve({ port: 0, quiet: true });
    const started = Date.now();
    await assert.rejects(
      connect({ port: server.addr.port, timeout: 3e9 }),
      (e) => e instanceof RangeError && /timeout/.test(e.message) && /2147483647/.test(e.message),
    );
    assert.throws(
      () => new Client(new TransformStream<Uint8Array, Uint8Array>(), { timeout: 2 ** 31 }),
      RangeError,
    );
    assert.ok(Date.now() - started < 1_000);
    // The limit itself is a wait like any other.
    await using client = await connect({ port: server.addr.port, timeout: 2 ** 31 - 1 });
    await using game = await client.session(1, 1, 1);
    for await (const n of game.requestNumbers(1)) {
      assert.equal(await game.reportOutcome(n), "Correct");
    }
  });

  test("a server closing mid-game rejects the wait with ConnectionClosedError", async () => {
    const server = await serve({ port: 0, quiet: true });
    const client = await connect({ port: server.addr.port });
    const game = await client.session(1, 100, 50);
    const numbers = game.requestNumbers(100);
    const first = await numbers.next();
    await game.reportOutcome(first.value!);
    await server.close();
    await assert.rejects(
      (async () => {
        for await (const n of numbers) await game.reportOutcome(n);
      })(),
      (e) =>
        e instanceof ProtocolError
          ? e.code === "shutting-down"
          : e instanceof ConnectionClosedError,
    );
    await client.close();
  });
});
