/**
 * The programs when the reader of their output goes away (`server.ts | head
 * -1`, a closed terminal, a log shipper that restarts): the next line they
 * write fails with EPIPE. The server says so once on standard error and plays
 * on; the client stops, in one line.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "../client.ts";
import { serve, type Server } from "../server.ts";
import { type Child, listening, start } from "../_cli/child.ts";
import { Output, reason } from "../_cli/output.ts";
import { within } from "./_raw_client.ts";
import { ROOT, RUNTIME, runtimeCommand } from "./_helpers.ts";

/** The ceiling of each test (Bun's default is 5 s); their waits have their own. */
const LIMIT = 60_000;
/** How long a stopped program may take to exit. */
const STOP_TIMEOUT = 10_000;

/** Starts a project file on this runtime, its output piped, in the repository's root. */
function startFile(file: string, args: string[], denoFlags?: string[]): Promise<Child> {
  const [command, full] = runtimeCommand(file, args, denoFlags);
  return start({ command, args: full, cwd: ROOT });
}

/** A program's standard error as it comes, and a promise of its first line. */
function collectStderr(child: Child): { text: () => string; firstLine: Promise<void> } {
  let text = "";
  let resolve!: () => void;
  const firstLine = new Promise<void>((done) => resolve = done);
  child.onStderr((chunk) => {
    text += chunk;
    if (text.includes("\n")) resolve();
  });
  return { text: () => text, firstLine };
}

/** Plays `games` games on one connection to `port`, every reply right; each must end Correct. */
async function play(port: number, games: number, first = 0): Promise<void> {
  await using client = await connect({ port, timeout: 5_000 });
  for (let i = first; i < first + games; i++) {
    const secret = 1 + (i * 7) % 20;
    await using game = await client.session(1, 20, secret);
    let last = "";
    for await (const n of game.requestNumbers(20)) last = await game.reportOutcome(n);
    assert.equal(last, "Correct", `game ${i}, secret ${secret}`);
  }
}

/**
 * Plays 20 games against a server whose output's reader is gone: half on a
 * connection opened (and a game begun) before it went, half on one opened
 * after. `close` closes the pipes, once the first connection is open.
 */
async function playAcrossTheClose(port: number, close: () => void): Promise<void> {
  await using early = await connect({ port, timeout: 5_000 });
  {
    // A game under way when the reader goes: its first report reaches the closed pipe.
    await using game = await early.session(1, 20, 20);
    let last = "";
    let closed = false;
    for await (const n of game.requestNumbers(20)) {
      if (!closed) {
        close();
        closed = true;
      }
      last = await game.reportOutcome(n);
    }
    assert.equal(last, "Correct");
  }
  for (let i = 0; i < 9; i++) {
    const secret = 1 + (i * 7) % 20;
    await using game = await early.session(1, 20, secret);
    let last = "";
    for await (const n of game.requestNumbers(20)) last = await game.reportOutcome(n);
    assert.equal(last, "Correct", `game ${i}, secret ${secret}`);
  }
  await play(port, 10, 9);
}

test(
  `server.ts on ${RUNTIME}: when its stdout's reader goes away, it says so once on stderr, plays on, and exits 0 on SIGTERM`,
  { timeout: LIMIT },
  async () => {
    await using server = await startFile("server.ts", ["--port", "0"]);
    const stderr = collectStderr(server);
    const { port } = await listening(server);
    await playAcrossTheClose(port, () => server.closeStdout());
    await within(stderr.firstLine, 5_000, `a line on stderr, got ${JSON.stringify(stderr.text())}`);
    assert.ok(server.running, "the server has exited");
    assert.equal(await server.stop("SIGTERM", { timeout: STOP_TIMEOUT }), 0, stderr.text());
    assert.match(
      stderr.text(),
      /^server\.ts: standard output is closed \(EPIPE\): no more report lines; the games go on\n$/,
    );
  },
);

test(
  `server.ts on ${RUNTIME}: when its stdout's and stderr's readers go away, it plays on and exits 0 on SIGTERM`,
  { timeout: LIMIT },
  async () => {
    await using server = await startFile("server.ts", ["--port", "0"]);
    const { port } = await listening(server);
    await playAcrossTheClose(port, () => {
      server.closeStderr();
      server.closeStdout();
    });
    assert.ok(server.running, "the server has exited");
    assert.equal(await server.stop("SIGTERM", { timeout: STOP_TIMEOUT }), 0);
  },
);

test(
  `server.ts --lang ko on ${RUNTIME}: says in Korean that its stdout is closed`,
  { timeout: LIMIT },
  async () => {
    await using server = await startFile("server.ts", ["--port", "0", "--lang", "ko"]);
    const stderr = collectStderr(server);
    const { port } = await listening(server);
    server.closeStdout();
    await play(port, 1);
    await within(stderr.firstLine, 5_000, `a line on stderr, got ${JSON.stringify(stderr.text())}`);
    assert.equal(await server.stop("SIGINT", { timeout: STOP_TIMEOUT }), 0, stderr.text());
    assert.equal(
      stderr.text(),
      "server.ts: 표준 출력이 닫혔습니다(EPIPE). 보고 줄은 더 쓰지 않고, 게임은 계속됩니다.\n",
    );
  },
);

test(
  `server.ts --workers 2 on ${RUNTIME}: when the first process's stdout's reader goes away, every process plays on`,
  { timeout: LIMIT },
  async () => {
    // The first process passes its workers' report lines on to its own stdout.
    await using server = await startFile(
      "server.ts",
      ["--port", "0", "--workers", "2"],
      ["-A", "--unstable-net"],
    );
    const stderr = collectStderr(server);
    const { port } = await listening(server);
    server.closeStdout();
    // Connections spread over both processes: each of the 20 on its own.
    await Promise.all(Array.from({ length: 20 }, (_, i) => play(port, 1, i)));
    await within(stderr.firstLine, 5_000, `a line on stderr, got ${JSON.stringify(stderr.text())}`);
    assert.ok(server.running, "the server has exited");
    await play(port, 2);
    assert.equal(await server.stop("SIGTERM", { timeout: STOP_TIMEOUT }), 0, stderr.text());
    assert.match(stderr.text(), /^server\.ts: standard output is closed \(EPIPE\): [^\n]+\n$/);
  },
);

/** A stream for an {@linkcode Output}: it takes `good` writes, then fails as `fail` says. */
function fakeStream(good: number, fail: "callback" | "throw" | "event") {
  const written: string[] = [];
  let onError: ((error: Error) => void) | undefined;
  const epipe = () => Object.assign(new Error("write EPIPE"), { code: "EPIPE" });
  return {
    written,
    stream: {
      write(text: string, callback: (error?: Error | null) => void) {
        if (written.length < good) {
          written.push(text);
          queueMicrotask(() => callback(null));
        } else if (fail === "throw") {
          throw Object.assign(new Error("Broken pipe (os error 32)"), { name: "BrokenPipe" });
        } else if (fail === "callback") {
          queueMicrotask(() => callback(epipe()));
        } else {
          queueMicrotask(() => onError!(epipe()));
        }
        return true;
      },
      on(_event: "error", listener: (error: Error) => void) {
        onError = listener;
      },
    },
  };
}

for (const fail of ["callback", "throw", "event"] as const) {
  test(`Output drops every line after a failed write (${fail}), and says so once`, async () => {
    const { stream, written } = fakeStream(2, fail);
    const output = new Output(stream);
    const closes: string[] = [];
    output.onClose((error) => closes.push(reason(error)));
    for (let i = 0; i < 5; i++) output.line(`line ${i}`);
    if (fail !== "event") await output.settled();
    else await new Promise<void>((resolve) => output.onClose(() => resolve()));
    assert.equal(output.open, false);
    output.line("after");
    assert.deepEqual(written, ["line 0\n", "line 1\n"]);
    assert.deepEqual(closes, [fail === "throw" ? "BrokenPipe" : "EPIPE"]);
    const late: string[] = [];
    output.onClose((error) => late.push(reason(error)));
    assert.equal(late.length, 1, "a listener added after the close is told at once");
  });
}

test("Output.settled() waits for the writes so far, and the stream stays open", async () => {
  const { stream, written } = fakeStream(10, "callback");
  const output = new Output(stream);
  output.write("a");
  output.line("b");
  await within(output.settled(), 5_000, "the writes to settle");
  assert.equal(output.open, true);
  assert.deepEqual(written, ["a", "b\n"]);
});

test(
  `client.ts on ${RUNTIME}: when its stdout's reader goes away, it stops in one line on stderr, exit code 1`,
  { timeout: LIMIT },
  async () => {
    await using server = await serve({ port: 0, quiet: true });
    await using client = await startFile("client.ts", [
      "--port",
      String(server.addr.port),
      "--games",
      "100000",
    ]);
    const stderr = collectStderr(client);
    let stdout = "";
    let resolve!: () => void;
    const firstLine = new Promise<void>((done) => resolve = done);
    client.onStdout((text) => {
      stdout += text;
      if (stdout.includes("\n")) resolve();
    });
    await within(firstLine, 10_000, "the client's first line");
    client.closeStdout();
    const status = await within(client.status, 20_000, "the client to exit");
    await client.exited;
    assert.deepEqual(status, { code: 1, signal: null }, stderr.text());
    assert.equal(stderr.text(), "client.ts: Cannot write to standard output: EPIPE\n");
  },
);

test(
  "serve() plays on when its default reporter's console.log throws, as on a closed stdout",
  { timeout: LIMIT },
  async () => {
    const log = console.log;
    const errors: unknown[] = [];
    // What the server captures as its default reporter: a console.log that fails.
    console.log = () => {
      throw new Error("Broken pipe (os error 32)");
    };
    let server: Server;
    try {
      server = await serve({ port: 0, onError: (error) => errors.push(error) });
    } finally {
      console.log = log;
    }
    await using _ = server;
    await play(server.addr.port, 3);
    assert.deepEqual(errors, []);
  },
);
