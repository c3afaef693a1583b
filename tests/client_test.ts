import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Socket as NetSocket } from "node:net";
import type { AddressInfo } from "node:net";
import { Client, type ClientOptions, connect, ConnectionClosedError } from "../client.ts";
import { type LineSink, LineSplitter } from "../_protocol/lines.ts";
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

/**
 * A scripted server of either kind, for the tests both clients must pass:
 * `answer` gets every line the client sends and returns the reply bytes to
 * send (lines with their `\n`, or raw bytes), or `null` to close. `chunks`
 * holds what each read of the server gave, as text.
 */
interface Scripted {
  client: Client;
  received: string[];
  chunks: string[];
  close(): Promise<void>;
}
type Answer = (line: string) => string | Uint8Array | null;

/**
 * The server's side of a script: `read(chunk)` takes what the client wrote,
 * records it, and answers each line through `send`, or `end` for `null`.
 */
function serverSide(
  answer: Answer,
  received: string[],
  chunks: string[],
  send: (bytes: string | Uint8Array) => void,
  end: () => void,
): (chunk: Uint8Array) => void {
  const lines = new LineSplitter(4096);
  const decoder = new TextDecoder();
  let closed = false;
  const sink: LineSink = {
    line(bytes, start, stop) {
      const line = decoder.decode(bytes.subarray(start, stop));
      received.push(line);
      const reply = closed ? "" : answer(line);
      if (reply === null) {
        closed = true;
        end();
      } else if (reply !== "") send(reply);
    },
    tooLong() {},
  };
  return (chunk) => {
    chunks.push(decoder.decode(chunk));
    lines.push(chunk, sink);
  };
}

/** The same script, over in-memory streams (`new Client`). */
function overStreams(answer: Answer, options: ClientOptions = {}): Promise<Scripted> {
  const toClient = new TransformStream<Uint8Array, Uint8Array>();
  const writer = toClient.writable.getWriter();
  const received: string[] = [];
  const chunks: string[] = [];
  const read = serverSide(answer, received, chunks, (reply) => {
    const bytes = typeof reply === "string" ? new TextEncoder().encode(reply) : reply;
    void writer.write(bytes).catch(() => {});
  }, () => void writer.close().catch(() => {}));
  const toServer = new WritableStream<Uint8Array>({ write: read });
  const client = new Client({ readable: toClient.readable, writable: toServer }, options);
  return Promise.resolve({
    client,
    received,
    chunks,
    close: async () => {
      await client.close();
      await writer.close().catch(() => {});
    },
  });
}

/** The same script, over TCP on loopback (`connect()`). */
async function overTcp(answer: Answer, options: ClientOptions = {}): Promise<Scripted> {
  const received: string[] = [];
  const chunks: string[] = [];
  const peers: NetSocket[] = [];
  const server = createServer((socket) => {
    peers.push(socket);
    const read = serverSide(answer, received, chunks, (reply) => socket.write(reply), () => {
      socket.end();
    });
    socket.on("data", read).on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const client = await connect({ ...options, port });
  return {
    client,
    received,
    chunks,
    // Once the client has closed, the server has read all it sent.
    close: async () => {
      await client.close();
      await Promise.all(
        peers.map((peer) =>
          peer.closed ? undefined : new Promise((resolve) => peer.once("close", resolve))
        ),
      );
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A script that answers NUMBER with the given replies in turn. */
const answering = (...replies: string[]): Answer => (line) =>
  line === "NUMBER" ? `${replies.shift() ?? "ERROR exhausted none left"}\n` : "";

/** Waits for the timers' turn: every microtask of the turn before has run. */
const nextTurn = () => new Promise((resolve) => setTimeout(resolve, 0));

for (
  const [name, scripted] of [["new Client() over streams", overStreams], [
    "connect()",
    overTcp,
  ]] as const
) {
  describe(`${name}: one write a turn, and every failure typed`, () => {
    test("a REPORT goes out with the next NUMBER, and a game's end with the next PARAMS, in one write", async () => {
      const { client, chunks, close } = await scripted(answering("1", "4", "3", "2", "3"));
      for (let round = 0; round < 2; round++) {
        await using game = await client.session(1, 5, 3);
        for await (const n of game.requestNumbers(5)) await game.reportOutcome(n);
      }
      await close();
      // TCP may merge writes, never split these: compare the lines each read held.
      assert.deepEqual(chunks.join("").split("\n").filter(Boolean), [
        "PARAMS 1 5",
        "NUMBER",
        "REPORT Unsure",
        "NUMBER",
        "REPORT Warmer",
        "NUMBER",
        "REPORT Correct",
        "PARAMS 0 -1",
        "PARAMS 1 5",
        "NUMBER",
        "REPORT Unsure",
        "NUMBER",
        "REPORT Correct",
        "PARAMS 0 -1",
      ]);
      assert.deepEqual(chunks.slice(0, 4), [
        "PARAMS 1 5\nNUMBER\n",
        "REPORT Unsure\nNUMBER\n",
        "REPORT Warmer\nNUMBER\n",
        "REPORT Correct\nPARAMS 0 -1\nPARAMS 1 5\nNUMBER\n",
      ]);
    });

    test("what is sent and not followed by a request goes out in the same turn, with no timer", async () => {
      const { client, received, close } = await scripted(answering("2"));
      const game = await client.session(1, 5, 3);
      const numbers = game.requestNumbers(5);
      const first = await numbers.next();
      assert.equal(await game.reportOutcome(first.value!), "Unsure");
      await nextTurn();
      await nextTurn(); // the server's read, over TCP
      for (let i = 0; i < 100 && received.length < 3; i++) await nextTurn();
      assert.deepEqual(received, ["PARAMS 1 5", "NUMBER", "REPORT Unsure"]);
      await game[Symbol.asyncDispose]();
      for (let i = 0; i < 100 && received.length < 4; i++) await nextTurn();
      assert.deepEqual(received.at(-1), "PARAMS 0 -1");
      await close();
    });

    test("an ERROR reply rejects with its code; a bad reply with bad-reply; the client stays usable after an ERROR", async () => {
      const replies = ["ERROR exhausted Every number of 1..5 has been guessed", "6", "+4", "x"];
      const { client, close } = await scripted(answering(...replies));
      const game = await client.session(1, 5, 3);
      await assert.rejects(
        game.requestNumbers(1).next(),
        (e) => e instanceof ProtocolError && e.code === "exhausted",
      );
      await assert.rejects(
        game.requestNumbers(1).next(),
        (e) =>
          e instanceof ProtocolError && e.code === "bad-reply" && /outside 1\.\.5/.test(e.message),
      );
      const numbers = game.requestNumbers(2);
      assert.deepEqual(await numbers.next(), { done: false, value: 4n });
      await game.reportOutcome(4n);
      await assert.rejects(
        numbers.next(),
        (e) => e instanceof ProtocolError && e.code === "bad-reply",
      );
      assert.deepEqual(await numbers.next(), { done: true, value: undefined });
      assert.equal(client.closed, false);
      await close();
    });

    test("a reply line over maxLineBytes, or not UTF-8, fails the connection with bad-reply", async () => {
      for (const reply of ["1".repeat(40) + "\n", new Uint8Array([0x31, 0xff, 0x0a])]) {
        const { client, close } = await scripted(
          (line) => line === "NUMBER" ? reply : "",
          { maxLineBytes: 32 },
        );
        const game = await client.session(1, 5, 3);
        await assert.rejects(
          game.requestNumbers(1).next(),
          (e) => e instanceof ProtocolError && e.code === "bad-reply",
        );
        assert.equal(client.closed, true);
        await close();
      }
    });

    test("replies are taken one a request, in order, however they arrive", async () => {
      const { client, close } = await scripted((line) =>
        line === "NUMBER" ? "" : line === "PARAMS 1 9" ? "3\n7\n" : ""
      );
      const game = await client.session(1, 9, 5);
      const numbers = game.requestNumbers(2);
      const first = await numbers.next();
      assert.equal(first.value, 3n);
      await game.reportOutcome(3n);
      assert.equal((await numbers.next()).value, 7n);
      await close();
    });

    test("the server closing mid-game rejects with ConnectionClosedError", async () => {
      const { client, close } = await scripted((line) => line === "NUMBER" ? null : "");
      await assert.rejects(async () => {
        await using game = await client.session(1, 5, 3);
        for await (const n of game.requestNumbers(5)) await game.reportOutcome(n);
      }, ConnectionClosedError);
      assert.equal(client.closed, true);
      await close();
    });

    test("a silent server rejects with a TimeoutError no sooner than the timeout, and not much later", async () => {
      const { client, close } = await scripted(() => "", { timeout: 200 });
      const game = await client.session(1, 5, 3);
      const started = performance.now();
      await assert.rejects(
        game.requestNumbers(1).next(),
        (e) => e instanceof Error && e.name === "TimeoutError",
      );
      const waited = performance.now() - started;
      assert.ok(waited >= 198, `waited ${waited} ms`);
      assert.ok(waited < 2_000, `waited ${waited} ms`);
      assert.equal(client.closed, true);
      await close();
    });

    test("replies that come in time never time out, however long the client lives", async () => {
      const { client, close } = await scripted(answering(...Array(8).fill("2")), { timeout: 40 });
      const game = await client.session(1, 5, 3);
      const numbers = game.requestNumbers(8);
      for (let i = 0; i < 8; i++) {
        const { value } = await numbers.next();
        await game.reportOutcome(value!);
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
      assert.equal(client.closed, false);
      await close();
    });

    test("an abort rejects the wait with the signal's reason, and closes the client", async () => {
      const controller = new AbortController();
      const { client, close } = await scripted(() => "", { signal: controller.signal, timeout: 0 });
      const game = await client.session(1, 5, 3);
      const reason = new Error("stop waiting");
      const pending = game.requestNumbers(1).next();
      controller.abort(reason);
      await assert.rejects(pending, (e) => e === reason);
      assert.equal(client.closed, true);
      await assert.rejects(client.session(1, 5, 3), (e) => e === reason);
      await close();
    });

    test("close() rejects a wait in progress, and sends what waited before it closes", async () => {
      const first = await scripted(() => "");
      const game = await first.client.session(1, 5, 3);
      const rejected = assert.rejects(game.requestNumbers(1).next(), ConnectionClosedError);
      await first.client.close();
      await rejected;
      await first.close();
      assert.deepEqual(first.received, ["PARAMS 1 5", "NUMBER"]);
      const second = await scripted(() => "");
      await second.client.session(2, 4, 3);
      await second.close();
      assert.deepEqual(second.received, ["PARAMS 2 4"]);
    });
  });
}
