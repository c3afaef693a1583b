/**
 * The Korean notes' dialect, against their own program, reference_game_ko.py,
 * in both roles: its clients (threaded and asyncio, unspaced and `--spaced`)
 * against our server, our client `--dialect ko` against its servers, and our
 * `--lang ko` lines against its lines. Every game's lines cross a recording
 * proxy, so what went over the wire is checked too. Also the dialects'
 * parsing and formatting, which need no Python.
 *
 * The Korean reference is $WARMER_COLDER_REFERENCE_KO, else
 * ../shared/reference/reference_game_ko.py from the repository's root.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect as netConnect, createServer, type Socket as NetSocket } from "node:net";
import { join } from "node:path";
import process from "node:process";
import {
  type Decision,
  DECISION_WORDS,
  DECISIONS,
  DIALECTS,
  formatCommand,
  parseCommand,
  ProtocolError,
  SPACED_KOREAN_WORDS,
} from "../protocol.ts";
import { hotCommand } from "../_server/hot_lines.ts";
import { serve, serveConnection } from "../server.ts";
import { Client, connect } from "../client.ts";
import {
  checkDemoOutput,
  pythonSkip,
  reference,
  ROOT,
  run,
  Running,
  RUNTIME,
  runtimeCommand,
  serverReports,
  titled,
} from "./_helpers.ts";
import { seeded } from "./_seeded.ts";

const ko = reference("ko");
const skip = ko.skip || await pythonSkip();
// The Korean lines must reach us as UTF-8 whatever the locale.
process.env.PYTHONIOENCODING ??= "utf-8";

type Words = Readonly<Record<Decision, string>>;
const UNSPACED: Words = DECISION_WORDS.ko;

const BANNERS = [
  "",
  "1와 5 사이의 숫자를 맞춰보세요! 쉿! 그 숫자는 3 입니다.",
  "",
  "10와 15 사이의 숫자를 맞춰보세요! 쉿! 그 숫자는 12 입니다.",
];
const ENGLISH_BANNERS = [
  "Guess a number between 1 and 5! Shhhhh, it's 3.",
  "Guess a number between 10 and 15! Shhhhh, it's 12.",
];

/**
 * A Korean report line, `클라이언트: N는 WORD` or `서버: N는 WORD` with WORD
 * one of `words`, as the English `Client: N is Decision` line.
 */
function english(line: string, words: Words): string {
  const match = line.match(/^(클라이언트|서버): (-?\d+)는 (.+)$/);
  const decision = DECISIONS.find((d) => words[d] === match?.[3]);
  assert.ok(match && decision, `not a Korean report line in ${JSON.stringify(words)}: ${line}`);
  return `${match[1] === "서버" ? "Server" : "Client"}: ${match[2]} is ${decision}`;
}

/** An English `Client: N is Decision` line as the Korean line of `who`, in the unspaced words. */
function korean(line: string, who: "클라이언트" | "서버"): string {
  const match = line.match(/^Client: (-?\d+) is (Warmer|Colder|Unsure|Correct)$/);
  assert.ok(match, line);
  return `${who}: ${match[1]}는 ${UNSPACED[match[2] as Decision]}`;
}

/**
 * Checks a Korean demo client's output as the Korean reference prints it:
 * each banner after a blank line, then `클라이언트: N는 WORD` lines that obey
 * the protocol game by game (through the English checks). Returns them in
 * English.
 */
function checkKoreanDemo(stdout: string, words: Words): string[] {
  const lines = stdout.trimEnd().split("\n");
  assert.deepEqual(lines.slice(0, 4), BANNERS, stdout);
  const guesses = lines.slice(4).map((line) => english(line, words));
  return checkDemoOutput([...ENGLISH_BANNERS, ...guesses].join("\n"));
}

/** How many lines of a demo are `Correct`: 2 when both games reach it. */
function corrects(guesses: readonly string[]): number {
  return guesses.filter((line) => line.endsWith(" is Correct")).length;
}

/** Waits for `done()` to hold, within `timeout` ms. */
async function until(done: () => boolean, what: string, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A TCP proxy on `node:net` (all three runtimes have it) in front of a
 * server, recording every line each way, to see what crossed the wire.
 */
class Wire implements AsyncDisposable {
  /** The lines clients sent. */
  readonly sent: string[] = [];
  /** The lines the server sent back. */
  readonly replies: string[] = [];
  /** Connections not yet closed at both ends. */
  open = 0;
  readonly #server = createServer((client) => this.#relay(client));
  readonly #sockets = new Set<NetSocket>();
  #target = 0;

  /** Listens on a free port in front of `port`. */
  static async to(port: number): Promise<Wire> {
    const wire = new Wire();
    wire.#target = port;
    await new Promise<void>((resolve) => wire.#server.listen(0, "127.0.0.1", resolve));
    return wire;
  }

  /** The proxy's port. */
  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  /** The `ERROR` lines the server sent. */
  get errors(): string[] {
    return this.replies.filter((line) => line.startsWith("ERROR"));
  }

  /** Waits until every proxied connection has closed. */
  closed(): Promise<void> {
    return until(() => this.open === 0, "the proxied connections to close");
  }

  #relay(client: NetSocket): void {
    this.open++;
    const server = netConnect(this.#target, "127.0.0.1");
    let closing = 2;
    const close = () => {
      if (--closing === 0) this.open--;
    };
    for (
      const [from, to, lines] of [[client, server, this.sent], [
        server,
        client,
        this.replies,
      ]] as const
    ) {
      this.#sockets.add(from);
      const decoder = new TextDecoder();
      let partial = "";
      from.on("data", (chunk: Uint8Array) => {
        const parts = (partial + decoder.decode(chunk, { stream: true })).split("\n");
        partial = parts.pop()!;
        lines.push(...parts);
        to.write(chunk);
      });
      from.on("end", () => {
        if (partial !== "") lines.push(partial);
        to.end();
      });
      from.on("error", () => to.destroy());
      from.on("close", () => {
        to.destroy();
        close();
      });
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** The `REPORT` lines of a game's English guess lines, in a dialect's words. */
function reports(guesses: readonly string[], words: Words): string[] {
  return guesses.map((line) => `REPORT ${words[line.split(" ").at(-1) as Decision]}`);
}

describe(`the Korean dialect's words on ${RUNTIME}`, () => {
  const spellings = DECISIONS.flatMap((decision) =>
    [DECISION_WORDS.en, DECISION_WORDS.ko, SPACED_KOREAN_WORDS].map((words) =>
      [words[decision], decision] as const
    )
  );

  test("every spelling of every decision parses as the English decision, from bytes too", () => {
    const encoder = new TextEncoder();
    for (const [word, decision] of spellings) {
      const line = `REPORT ${word}`;
      assert.deepEqual(parseCommand(line), { type: "REPORT", decision }, line);
      // Padded, to read the line from the middle of a chunk as the server does.
      const bytes = encoder.encode(`x${line}y`);
      assert.deepEqual(hotCommand(bytes, 1, bytes.length - 1), parseCommand(line), line);
    }
  });

  test("near misses are refused, and the hot path leaves them to the parser", () => {
    const encoder = new TextEncoder();
    for (
      const [line, code] of [
        ["REPORT 더뜨거움", "bad-decision"],
        ["REPORT 맞음!", "bad-decision"],
        ["REPORT 잘모르겠음\u0000", "bad-decision"],
        ["REPORT 더 뜨거움", "wrong-fields"],
        ["REPORT 더  따뜻함", "wrong-fields"],
        ["REPORT 더 따뜻함 ", "wrong-fields"],
        ["REPORT  더 따뜻함", "wrong-fields"],
        ["REPORT 맞 음", "wrong-fields"],
        ["REPORT 맞음 ", "wrong-fields"],
        ["REPORT 잘 모르겠음 잘 모르겠음", "wrong-fields"],
        ["REPORT 더 따뜻함 더", "wrong-fields"],
        ["REPORT", "wrong-fields"],
        ["REPORT Warmer now", "wrong-fields"],
        ["report 맞음", "unknown-command"],
        ["REPORT:맞음", "unknown-command"],
      ] as const
    ) {
      assert.throws(
        () => parseCommand(line),
        (e) => e instanceof ProtocolError && e.code === code,
        line,
      );
      const bytes = encoder.encode(line);
      assert.equal(hotCommand(bytes, 0, bytes.length), undefined, line);
    }
  });

  test("formatCommand writes each dialect's words, English by default", () => {
    for (const decision of DECISIONS) {
      const command = { type: "REPORT", decision } as const;
      assert.equal(formatCommand(command), `REPORT ${decision}`);
      for (const dialect of DIALECTS) {
        const line = formatCommand(command, dialect);
        assert.equal(line, `REPORT ${DECISION_WORDS[dialect][decision]}`);
        assert.deepEqual(parseCommand(line), command);
      }
    }
    assert.equal(formatCommand({ type: "NUMBER" }, "ko"), "NUMBER");
    assert.throws(
      () => formatCommand({ type: "REPORT", decision: "Correct" }, "fr" as "ko"),
      TypeError,
    );
  });

  test("the server reads every spelling, byte by byte; 맞음 reveals the secret as Correct does", async () => {
    const lines = [
      "PARAMS 1 1000",
      "NUMBER",
      "REPORT 잘 모르겠음",
      "NUMBER",
      "REPORT 더 차가움",
      "NUMBER",
      "REPORT 더 따뜻함",
      "NUMBER",
      "REPORT 맞음",
      "NUMBER",
      "PARAMS 1 1000",
      "NUMBER",
      "REPORT 잘모르겠음",
      "NUMBER",
      "REPORT 더차가움",
      "NUMBER",
      "REPORT 더따뜻함",
      "NUMBER",
      "REPORT 맞음",
      "NUMBER",
      "REPORT 더 뜨거움",
      "REPORT 더뜨거움",
    ];
    const bytes = new TextEncoder().encode(lines.join("\n") + "\n");
    // One byte a chunk: every Korean character is cut across chunks.
    const chunks = Array.from(bytes, (byte) => Uint8Array.of(byte));
    let out = "";
    const logged: string[] = [];
    await serveConnection({
      readable: ReadableStream.from(chunks),
      writable: new WritableStream({ write: (c) => void (out += new TextDecoder().decode(c)) }),
    }, { log: (line) => logged.push(line) });
    const replies = out.trimEnd().split("\n");
    assert.equal(replies.length, 12, out);
    assert.match(replies[10], /^ERROR wrong-fields /);
    assert.match(replies[11], /^ERROR bad-decision /);
    for (const game of [replies.slice(0, 5), replies.slice(5, 10)]) {
      assert.ok(game.every((line) => /^\d+$/.test(line)), out);
      assert.equal(game[4], game[3], `the guess after 맞음 is the secret: ${game}`);
      assert.deepEqual(logged.splice(0, 4), [
        `Server: ${game[0]} is Unsure`,
        `Server: ${game[1]} is Colder`,
        `Server: ${game[2]} is Warmer`,
        `Server: ${game[3]} is Correct`,
      ]);
    }
  });

  test("a client with dialect ko sends the unspaced words and returns English decisions", async () => {
    const toServer = new TransformStream<Uint8Array, Uint8Array>();
    const toClient = new TransformStream<Uint8Array, Uint8Array>();
    const [wire, readable] = toServer.readable.tee();
    const sent = new Response(wire).text();
    const logged: string[] = [];
    const served = serveConnection({ readable, writable: toClient.writable }, {
      log: (line) => logged.push(line),
    });
    const client = new Client({ readable: toClient.readable, writable: toServer.writable }, {
      dialect: "ko",
    });
    const decisions: Decision[] = [];
    {
      await using game = await client.session(1, 20, 13);
      for await (const n of game.requestNumbers(20)) decisions.push(await game.reportOutcome(n));
    }
    {
      await using game = await client.session(5, 5);
      for await (const n of game.requestNumbers(1)) await game.report(n, "Correct");
    }
    await client.close();
    await served;
    assert.equal(decisions.at(-1), "Correct");
    const all: Decision[] = [...decisions, "Correct"];
    assert.ok(decisions.every((d) => DECISIONS.includes(d)), String(decisions));
    const reported = (await sent).split("\n").filter((line) => line.startsWith("REPORT "));
    assert.deepEqual(reported, all.map((d) => `REPORT ${UNSPACED[d]}`));
    assert.deepEqual(logged.map((line) => line.split(" ").at(-1)), all);
  });

  test("an unknown dialect is refused by Client, connect() and client.ts", async () => {
    const streams = new TransformStream<Uint8Array, Uint8Array>();
    assert.throws(() => new Client(streams, { dialect: "fr" as "ko" }), TypeError);
    await assert.rejects(connect({ port: 1, dialect: "KO" as "ko" }), TypeError);
    const [command, args] = runtimeCommand("client.ts", ["--dialect", "fr"]);
    const result = await run(command, args);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /^client\.ts: --dialect must be en or ko, got "fr"/);
    assert.equal(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
  });
});

describe(`our programs and the Korean notes' program, both roles, on ${RUNTIME}`, () => {
  for (const mode of ["threaded-client", "async-client"]) {
    for (const spaced of [false, true]) {
      const flag = spaced ? " --spaced" : "";
      test(
        titled(
          `the Korean reference ${mode}${flag} plays the demo against our server: every game reaches 맞음, no ERROR`,
          skip,
        ),
        { skip },
        async () => {
          const words = spaced ? SPACED_KOREAN_WORDS : UNSPACED;
          const logged: string[] = [];
          // The smart strategy finds 1..5 and 10..15 within the demo's five
          // guesses, so both games reach 맞음 (when every word is read right).
          await using server = await serve({
            port: 0,
            strategy: "smart",
            log: (line) => logged.push(line),
          });
          await using wire = await Wire.to(server.addr.port);
          const client = await run("python3", [
            ko.path!,
            mode,
            String(wire.port),
            ...(spaced ? ["--spaced"] : []),
          ]);
          assert.equal(client.code, 0, client.stderr);
          assert.equal(client.stderr, "");
          const guesses = checkKoreanDemo(client.stdout, words);
          assert.equal(corrects(guesses), 2, client.stdout);
          await wire.closed();
          assert.deepEqual(wire.errors, []);
          assert.deepEqual(
            wire.sent.filter((line) => line.startsWith("REPORT")),
            reports(guesses, words),
          );
          assert.equal(wire.replies.length, guesses.length);
          // The server heard every decision as the client meant it.
          await until(() => logged.length === guesses.length, "the server's reports");
          assert.deepEqual(serverReports(logged), guesses);
        },
      );
    }
  }

  for (const mode of ["threaded-server", "async-server"]) {
    test(
      titled(
        `our client --dialect ko plays full games against the Korean reference ${mode}, which logs 맞음 for each`,
        skip,
      ),
      { skip },
      async () => {
        await using server = new Running("python3", [
          join(ROOT, "tests", "reference_port0.py"),
          mode,
          "--reference",
          ko.path!,
        ]);
        await using wire = await Wire.to(await server.port());
        // Six guesses over six numbers: the reference's server finds each secret.
        const [command, args] = runtimeCommand("client.ts", [
          "--port",
          String(wire.port),
          "--dialect",
          "ko",
          "--lang",
          "en",
          "--lower",
          "1",
          "--upper",
          "6",
          "--count",
          "6",
          "--games",
          "3",
        ]);
        const client = await run(command, args);
        assert.equal(client.code, 0, client.stderr);
        assert.equal(client.stderr, "");
        const lines = client.stdout.trimEnd().split("\n");
        const secrets = lines.slice(0, 3).map((line) => line.match(/it's (\d+)\.$/)![1]);
        const guesses = lines.slice(3);
        assert.deepEqual(
          guesses.filter((line) => line.endsWith(" is Correct")),
          secrets.map((secret) => `Client: ${secret} is Correct`),
        );
        await until(
          () => server.lines.filter((line) => line.endsWith("는 맞음")).length === 3,
          `three 맞음 in the reference's log: ${server.lines}`,
        );
        // The reference's server heard every decision as our client meant it.
        const heard = server.lines.filter((line) => line.startsWith("서버: "));
        assert.deepEqual(heard, guesses.map((line) => korean(line, "서버")));
        await wire.closed();
        assert.deepEqual(wire.errors, []);
        assert.deepEqual(
          wire.sent.filter((line) => line.startsWith("REPORT")),
          reports(guesses, UNSPACED),
        );
        assert.equal(server.stderr, "");
      },
    );
  }

  for (const mode of ["threaded-client", "async-client"]) {
    test(
      titled(
        `client.ts --lang ko prints exactly what the Korean reference ${mode} prints, for the same guesses`,
        skip,
      ),
      { skip },
      async () => {
        // A fresh server with the same seed for each client: the same guesses.
        const demo = async (command: string, args: (port: number) => string[]) => {
          await using server = await serve({ port: 0, quiet: true, random: seeded(2024) });
          const result = await run(command, args(server.addr.port));
          assert.equal(result.code, 0, result.stderr);
          assert.equal(result.stderr, "");
          return result.stdout;
        };
        const theirs = await demo("python3", (port) => [ko.path!, mode, String(port)]);
        checkKoreanDemo(theirs, UNSPACED);
        for (const dialect of DIALECTS) {
          const [command, args] = runtimeCommand("client.ts", [
            "--lang",
            "ko",
            "--dialect",
            dialect,
          ]);
          const ours = await demo(command, (port) => [...args, "--port", String(port)]);
          assert.deepEqual(ours.split("\n"), theirs.split("\n"), `--dialect ${dialect}`);
        }
      },
    );
  }

  test(
    titled(
      "server.ts --lang ko logs its reports as the Korean reference's server does, whatever the dialect",
      skip,
    ),
    { skip },
    async () => {
      const SHAPE = /^서버: -?\d+는 (더따뜻함|더차가움|잘모르겠음|맞음)$/;
      const servers = [
        ["the Korean reference", "python3", [
          join(ROOT, "tests", "reference_port0.py"),
          "threaded-server",
          "--reference",
          ko.path!,
        ]],
        ["server.ts --lang ko", ...runtimeCommand("server.ts", ["--port", "0", "--lang", "ko"])],
      ] as const;
      for (const [name, command, args] of servers) {
        await using server = new Running(command, [...args]);
        const port = String(await server.port());
        // The reference's server reads only the unspaced words; ours reads
        // the spaced ones and English too, and logs them all one way.
        const clients: [string, string[], Words][] = [
          ["python3", [ko.path!, "threaded-client", port], UNSPACED],
        ];
        if (name !== "the Korean reference") {
          clients.push([
            "python3",
            [ko.path!, "async-client", port, "--spaced"],
            SPACED_KOREAN_WORDS,
          ]);
          const [ours, ourArgs] = runtimeCommand("client.ts", ["--port", port, "--lang", "ko"]);
          clients.push([ours, ourArgs, UNSPACED]);
        }
        let expected: string[] = [];
        for (const [client, clientArgs, words] of clients) {
          const result = await run(client, clientArgs);
          assert.equal(result.code, 0, result.stderr);
          const guesses = checkKoreanDemo(result.stdout, words);
          expected = [...expected, ...guesses.map((line) => korean(line, "서버"))];
          await until(
            () =>
              server.lines.filter((line) => line.startsWith("서버: ")).length === expected.length,
            `${name}'s reports: ${server.lines}`,
          );
        }
        const logged = server.lines.filter((line) => line.startsWith("서버: "));
        for (const line of logged) assert.match(line, SHAPE, name);
        assert.deepEqual(logged, expected, name);
      }
    },
  );
});
