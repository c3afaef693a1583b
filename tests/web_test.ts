/**
 * The web port without a browser, on the runtime the tests run on: the page's
 * files and the answers to other requests; the Origin check before the
 * upgrade; games over WebSocket with the runtime's own `WebSocket` and the
 * module's `Client`, a thousand at once; the messages TCP cannot have
 * (binary, not UTF-8, too long) and the close codes; the server's limits
 * (connections, idle, shutdown) counting WebSockets; peers that upgrade and
 * say nothing, or never finish their request; the same over https and wss.
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect as netConnect, type Socket } from "node:net";
import { serve, type ServeOptions, type Server } from "../server.ts";
import { Client, ConnectionClosedError, webSocketStreams } from "../client.ts";
import { ProtocolError } from "../protocol.ts";
import { ASSETS } from "../_web/assets.ts";
import { HOST, RawClient, within } from "./_raw_client.ts";
import { RawWebSocket } from "./_raw_websocket.ts";
import { type Certificates, makeCertificates, opensslSkip } from "./_tls.ts";
import { pythonSkip, ROOT, run, RUNTIME, titled } from "./_helpers.ts";
import { join } from "node:path";

const LIMIT = { timeout: 60_000 };
const noPython = await pythonSkip();
const FLOOD = join(ROOT, "tests", "ws_flood.py");

function start(options: ServeOptions = {}): Promise<Server> {
  return serve({ port: 0, quiet: true, ...options, web: { port: 0, ...options.web } });
}

function wsUrl(server: Server): string {
  return `ws://${HOST}:${server.web!.port}/ws`;
}

/** Plays one game of 1..100 with `secret`; returns how many guesses it took and the last decision. */
async function playOne(client: Client, secret: number): Promise<[number, string]> {
  await using game = await client.session(1, 100, secret);
  let count = 0;
  let last = "";
  for await (const n of game.requestNumbers(100)) {
    count++;
    last = await game.reportOutcome(n);
  }
  return [count, last];
}

/** Resolves once `check()` holds, polling; fails after `ms`. */
async function eventually(check: () => boolean, ms: number, what: string): Promise<void> {
  const until = performance.now() + ms;
  while (!check()) {
    if (performance.now() > until) throw new Error(`Timed out after ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("the web port's files and answers", () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = await start();
    base = `http://${HOST}:${server.web!.port}`;
  });
  after(() => server.close());

  test("every asset is served with its type and the content security policy", async () => {
    assert.ok(Object.hasOwn(ASSETS, "/"), "the page is an asset");
    for (const [path, asset] of Object.entries(ASSETS)) {
      const response = await fetch(base + path);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get("content-type"), asset.type, path);
      assert.match(response.headers.get("content-security-policy") ?? "", /default-src 'self'/);
      assert.equal(await response.text(), asset.body, path);
    }
  });

  test("HEAD has the headers and no body; other methods, paths and plain GET /ws are refused", async () => {
    const head = await fetch(base + "/", { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
    const cases: [string, RequestInit, number][] = [
      ["/missing", {}, 404],
      ["/../etc/passwd", {}, 404],
      ["/", { method: "POST", body: "x" }, 405],
      ["/ws", {}, 426],
      ["/ws", { method: "POST", body: "x" }, 405],
    ];
    for (const [path, init, status] of cases) {
      const response = await fetch(base + path, init);
      assert.equal(response.status, status, `${init.method ?? "GET"} ${path}`);
      await response.text();
    }
  });
});

describe("the Origin of an upgrade", () => {
  let server: Server;
  before(async () => server = await start({ web: { origins: ["https://games.example"] } }));
  after(() => server.close());

  const cases: [string, (port: number) => string | undefined, number][] = [
    ["none (a program)", () => undefined, 101],
    ["the page's own", (port) => `http://${HOST}:${port}`, 101],
    ["the page's own, in upper case", (port) => `HTTP://${HOST}:${port}`, 101],
    ["a listed one", () => "https://games.example", 101],
    ["another site", () => "https://evil.example", 403],
    ["the page's host on another scheme", (port) => `https://${HOST}:${port}`, 403],
    ["the page's host on another port", (port) => `http://${HOST}:${port + 1}`, 403],
    ["null (a sandboxed page, a file)", () => "null", 403],
  ];
  for (const [name, origin, status] of cases) {
    test(`${name}: ${status}`, LIMIT, async () => {
      const port = server.web!.port;
      await using raw = await RawWebSocket.open(port, { origin: origin(port) });
      assert.equal(raw.status, status, raw.head);
      if (status === 101) {
        raw.send("PARAMS 4 4");
        raw.send("NUMBER");
        assert.deepEqual(await raw.next(), { type: "text", text: "4" });
      } else {
        assert.match(raw.head, /^HTTP\/1\.1 403 /, "refused before any WebSocket");
      }
    });
  }
});

describe("games over WebSocket", () => {
  test(
    "the runtime's own WebSocket and the module's Client play games in a row",
    LIMIT,
    async () => {
      await using server = await start();
      await using client = new Client(webSocketStreams(new WebSocket(wsUrl(server))));
      for (const secret of [1, 50, 100]) {
        const [count, last] = await playOne(client, secret);
        assert.equal(last, "Correct");
        assert.ok(count >= 1 && count <= 100);
      }
      assert.equal(server.connections, 1);
    },
  );

  test("1000 WebSocket games at once, each to Correct", LIMIT, async () => {
    await using server = await start({ strategy: "smart" });
    const games = Array.from({ length: 1000 }, async (_, i) => {
      await using client = new Client(webSocketStreams(new WebSocket(wsUrl(server))));
      return await playOne(client, 1 + (i % 100));
    });
    const results = await Promise.all(games);
    assert.equal(results.filter(([, last]) => last === "Correct").length, 1000);
    // smart finds any of 1..100 within W + 1 = 9 guesses (2^8 <= 300)
    assert.ok(results.every(([count]) => count <= 9), "smart's bound holds over WebSocket");
  });

  test(
    "a message is one line; Korean reports; errors that keep the connection",
    LIMIT,
    async () => {
      await using server = await start();
      await using raw = await RawWebSocket.open(server.web!.port);
      raw.send("NUMBER");
      assert.deepEqual(await raw.next(), {
        type: "text",
        text: "ERROR no-game NUMBER outside a game: send PARAMS lower upper first",
      });
      raw.send("PARAMS 1 2");
      raw.send("NUMBER");
      const first = await raw.next();
      assert.equal(first.type, "text");
      raw.send("REPORT 잘모르겠음");
      raw.send("NUMBER");
      const second = await raw.next();
      assert.equal(second.type, "text");
      assert.notEqual((second as { text: string }).text, (first as { text: string }).text);
      raw.send("");
      raw.send("PARAMS 5 5\r");
      raw.send("NUMBER");
      assert.deepEqual(await raw.next(), { type: "text", text: "5" });
    },
  );
});

describe("turns over WebSocket", () => {
  /**
   * Reads the replies to `count` NUMBER lines of a game of 1..5000, then to
   * `PARAMS 7 7` and NUMBER: each a guess, none twice, then 7.
   */
  async function guessesThenSeven(raw: RawWebSocket, count: number, after: string): Promise<void> {
    const replies: string[] = [];
    while (replies.length < count + 1) {
      const frame = await raw.next();
      assert.equal(frame.type, "text", `after ${replies.length} replies: ${JSON.stringify(frame)}`);
      replies.push((frame as { text: string }).text);
    }
    const guesses = replies.slice(0, count).map(Number);
    assert.ok(guesses.every((n) => Number.isInteger(n) && n >= 1 && n <= 5000), "each a guess");
    assert.equal(new Set(guesses).size, count, "no guess twice in one game");
    assert.equal(replies[count], "7", after);
  }

  test(
    "a thousand lines in one write are all answered, in order, past the turn's 64",
    LIMIT,
    async () => {
      await using server = await start();
      await using raw = await RawWebSocket.open(server.web!.port);
      raw.sendAll(["PARAMS 1 5000", ...Array.from({ length: 1000 }, () => "NUMBER"), "PARAMS 7 7"]);
      raw.send("NUMBER");
      await guessesThenSeven(raw, 1000, "the line after them is read after them");
    },
  );

  test(
    "a message of 300 lines (a \\n inside ends a line) has them all answered, in order, past the turn's 64",
    LIMIT,
    async () => {
      await using server = await start();
      await using raw = await RawWebSocket.open(server.web!.port);
      raw.send(
        ["PARAMS 1 5000", ...Array.from({ length: 300 }, () => "NUMBER"), "PARAMS 7 7"].join("\n"),
      );
      raw.send("NUMBER");
      await guessesThenSeven(raw, 300, "the message after it is read after its lines");
    },
  );
});

describe("what a WebSocket cannot carry closes it with its code", () => {
  const cases: [string, (raw: RawWebSocket) => void, string, number][] = [
    ["a binary message", (raw) => raw.send(new Uint8Array([1, 2, 3]), 2), "bad-utf8", 1003],
    ["a message over maxLineBytes", (raw) => raw.send("N".repeat(101)), "line-too-long", 1009],
  ];
  for (const [name, send, code, closeCode] of cases) {
    test(`${name}: ERROR ${code}, then ${closeCode}`, LIMIT, async () => {
      await using server = await start({ maxLineBytes: 100 });
      await using raw = await RawWebSocket.open(server.web!.port);
      raw.send("PARAMS 3 3");
      raw.send("NUMBER");
      send(raw);
      const { texts, close } = await raw.rest();
      assert.equal(texts[0], "3", "what came before is answered");
      assert.equal(texts.length, 2, texts.join(" | "));
      assert.ok(texts[1].startsWith(`ERROR ${code} `), texts[1]);
      assert.equal(close.type, "close");
      assert.equal((close as { code: number }).code, closeCode);
      await eventually(() => server.connections === 0, 5_000, "the connection is gone");
    });
  }

  // Node's `ws` hands the server a text message's bytes unchecked; Bun and
  // Deno check them first, and close the connection their own way.
  const notUtf8 = {
    node: "ERROR bad-utf8, then 1007",
    bun: "1007 from Bun itself, no ERROR line (Bun checks before the server sees it)",
    deno: "dropped by Deno itself, no ERROR line nor close frame (Deno checks first)",
  }[RUNTIME];
  test(`a text message that is not UTF-8: ${notUtf8}`, LIMIT, async () => {
    await using server = await start();
    await using raw = await RawWebSocket.open(server.web!.port);
    raw.send("PARAMS 3 3");
    raw.send("NUMBER");
    raw.send(new Uint8Array([0x4e, 0xff]), 1);
    const { texts, close } = await raw.rest();
    assert.equal(texts[0], "3", "what came before is answered");
    if (RUNTIME === "node") {
      assert.match(texts[1] ?? "", /^ERROR bad-utf8 /);
      assert.deepEqual(close, { type: "close", code: 1007, reason: "bad-utf8" });
    } else if (RUNTIME === "bun") {
      assert.equal(texts.length, 1, texts.join(" | "));
      assert.equal(close.type === "close" && close.code, 1007);
    } else {
      assert.equal(texts.length, 1, texts.join(" | "));
      assert.equal(close.type, "end");
    }
    await eventually(() => server.connections === 0, 5_000, "the connection is gone");
  });

  test("a message far over the limit is refused by the runtime, unread (1009)", LIMIT, async () => {
    await using server = await start({ maxLineBytes: 100 });
    await using raw = await RawWebSocket.open(server.web!.port);
    raw.send("N".repeat(200_000));
    const { close } = await raw.rest();
    assert.ok(close.type === "end" || (close.type === "close" && close.code === 1009));
    await eventually(() => server.connections === 0, 5_000, "the connection is gone");
  });
});

describe("the server's limits count WebSockets", () => {
  test("maxConnections: a WebSocket past it gets ERROR busy and 1013", LIMIT, async () => {
    await using server = await start({ maxConnections: 1 });
    await using tcp = await RawClient.connect(server.addr.port);
    await tcp.write("PARAMS 1 1\nNUMBER\n");
    assert.equal(await tcp.readLine(), "1");
    await using raw = await RawWebSocket.open(server.web!.port);
    const { texts, close } = await raw.rest();
    assert.match(texts[0] ?? "", /^ERROR busy /);
    assert.deepEqual(close, { type: "close", code: 1013, reason: "busy" });
  });

  test("idleTimeout: a silent WebSocket gets ERROR idle and is closed", LIMIT, async () => {
    await using server = await start({ idleTimeout: 300 });
    await using raw = await RawWebSocket.open(server.web!.port);
    const { texts, close } = await raw.rest(10_000);
    assert.match(texts[0] ?? "", /^ERROR idle /);
    assert.equal(close.type, "close");
    await eventually(() => server.connections === 0, 5_000, "the connection is gone");
  });

  test("close(): ERROR shutting-down, then 1001; the Client says why", LIMIT, async () => {
    const server = await start();
    const client = new Client(webSocketStreams(new WebSocket(wsUrl(server))));
    const game = await client.session(1, 100, 50);
    const numbers = game.requestNumbers(100);
    const first = await numbers.next();
    assert.equal(first.done, false);
    await game.reportOutcome(first.value as bigint);
    await server.close();
    const failure = await numbers.next().then(() => undefined, (error) => error);
    assert.ok(
      failure instanceof ProtocolError && failure.code === "shutting-down" ||
        failure instanceof ConnectionClosedError,
      String(failure),
    );
    await client.close();
  });

  test(
    titled("a peer that never reads its replies is dropped, and the server goes on", noPython),
    { ...LIMIT, skip: noPython },
    async () => {
      await using server = await start({ maxPendingBytes: 4096 });
      const flood = run("python3", [FLOOD, String(server.web!.port), "20"], 40_000);
      const result = await flood;
      assert.match(result.stdout, /^dropped after \d+ messages/, result.stdout + result.stderr);
      await eventually(() => server.connections === 0, 5_000, "the flooding peer is gone");
      await using client = new Client(webSocketStreams(new WebSocket(wsUrl(server))));
      assert.equal((await playOne(client, 7))[1], "Correct");
    },
  );
});

describe("peers that dawdle on the web port", () => {
  const closes = RUNTIME === "deno"
    ? "not closed on Deno (Deno.serve has no deadline for a request's head)"
    : "and are closed";
  test(
    `1000 silent connections and half-sent requests do not stall a player, ${closes}`,
    LIMIT,
    async () => {
      // Few round trips (smart: at most 9), so that the game times the server,
      // not Deno's WebSocket client (which leaves Nagle's algorithm on).
      await using server = await start({ handshakeTimeout: 1_000, strategy: "smart" });
      const port = server.web!.port;
      const sockets = await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          new Promise<Socket>((resolve, reject) => {
            const socket = netConnect({ host: HOST, port });
            socket.on("error", () => {});
            socket.once("connect", () => {
              // Half say nothing; half start an upgrade and never end its head.
              if (i % 2 === 1) socket.write(`GET /ws HTTP/1.1\r\nHost: ${HOST}\r\nUpgrade: web`);
              resolve(socket);
            });
            socket.once("error", reject);
          })),
      );
      const closed = sockets.map((socket) =>
        new Promise<void>((resolve) => socket.once("close", () => resolve()))
      );
      const started = performance.now();
      await using client = new Client(webSocketStreams(new WebSocket(`ws://${HOST}:${port}/ws`)));
      assert.equal((await playOne(client, 42))[1], "Correct");
      const took = performance.now() - started;
      assert.ok(took < 3_000, `a game beside them took ${took.toFixed(0)} ms`);
      if (RUNTIME === "deno") {
        // Deno.serve has no deadline for a request's head, nor for a
        // connection that sends nothing: they stay open until their peers go.
        assert.equal(server.connections, 1, "they are not games");
      } else {
        await within(Promise.all(closed), 20_000, "the server closes the dawdlers");
      }
      for (const socket of sockets) socket.destroy();
    },
  );
});

const skip = await opensslSkip();

describe("https and wss with --tls-cert", { skip }, () => {
  let certs: Certificates;
  before(async () => certs = await makeCertificates());
  after(() => certs?.remove());

  test("the page over https, a game over wss", LIMIT, async () => {
    await using server = await start({ tls: { cert: certs.server.cert, key: certs.server.key } });
    const port = server.web!.port;
    await using raw = await RawWebSocket.open(port, {
      ca: certs.ca,
      origin: `https://localhost:${port}`,
      host: `localhost:${port}`,
    });
    assert.equal(raw.status, 101, raw.head);
    raw.send("PARAMS 9 9");
    raw.send("NUMBER");
    assert.deepEqual(await raw.next(), { type: "text", text: "9" });
    const plain = await RawWebSocket.open(port).catch((error: unknown) => error);
    if (plain instanceof RawWebSocket) {
      plain.destroy();
      assert.equal(plain.status, 0, `no plaintext on a TLS port: ${plain.head}`);
    }
  });
});
