/** The two programs, run as a person runs them, on the runtime running this file. */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  checkDemoOutput,
  run,
  Running,
  RUNTIME,
  runtimeCommand,
  serverReports,
} from "./_helpers.ts";
import { serve } from "../server.ts";
import { Client, webSocketStreams } from "../client.ts";

function program(file: string, ...args: string[]) {
  const [command, full] = runtimeCommand(file, args);
  return run(command, full);
}

describe(`the programs on ${RUNTIME}`, () => {
  test("server.ts and client.ts play the demo; the server logs every report; SIGTERM exits 0", async () => {
    const [command, args] = runtimeCommand("server.ts", ["--port", "0"]);
    await using server = new Running(command, args);
    const port = await server.port();
    const client = await program("client.ts", "--port", String(port));
    assert.equal(client.code, 0, client.stderr);
    const guesses = checkDemoOutput(client.stdout);
    await server.waitFor(new RegExp(`^${guesses.at(-1)!.replace("Client", "Server")}$`));
    assert.deepEqual(serverReports(server.lines), guesses);
    const started = Date.now();
    assert.equal(await server.stop(), 0);
    assert.ok(Date.now() - started < 5_000, "took longer than the shutdown deadline");
  });

  test("server.ts --quiet logs no reports", async () => {
    const [command, args] = runtimeCommand("server.ts", ["--port", "0", "--quiet"]);
    await using server = new Running(command, args);
    const port = await server.port();
    const client = await program("client.ts", "--port", String(port));
    assert.equal(client.code, 0, client.stderr);
    assert.equal(await server.stop(), 0);
    assert.deepEqual(serverReports(server.lines), []);
  });

  test("server.ts --web serves the page and a game over WebSocket; --web-origin wants --web", async () => {
    const [command, args] = runtimeCommand("server.ts", ["--port", "0", "--web", "0", "--quiet"]);
    await using server = new Running(command, args);
    await server.port();
    const [, url] = await server.waitFor(/^Web page on (http:\/\/127\.0\.0\.1:\d+\/)$/);
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/);
    const streams = webSocketStreams(new WebSocket(url.replace("http:", "ws:") + "ws"));
    await using client = new Client(streams);
    await using game = await client.session(3, 3, 3);
    for await (const n of game.requestNumbers(1)) {
      assert.equal(await game.reportOutcome(n), "Correct");
    }
    const lonely = await program("server.ts", "--web-origin", "https://example.com");
    assert.equal(lonely.code, 2, lonely.stderr);
    assert.match(lonely.stderr, /--web-origin goes with --web PORT/);
  });

  test("client.ts plays chosen games: range, secret, count and games from flags", async () => {
    await using server = await serve({ port: 0, quiet: true });
    const client = await program(
      "client.ts",
      "--port",
      String(server.addr.port),
      "--lower=-100000000000000000000",
      "--upper=-99999999999999999990",
      "--secret=-99999999999999999995",
      "--count",
      "11",
      "--games",
      "3",
    );
    assert.equal(client.code, 0, client.stderr);
    const lines = client.stdout.trimEnd().split("\n");
    const banner =
      "Guess a number between -100000000000000000000 and -99999999999999999990! Shhhhh, it's -99999999999999999995.";
    assert.deepEqual(lines.slice(0, 3), [banner, banner, banner]);
    const correct = lines.filter((line) => line === "Client: -99999999999999999995 is Correct");
    assert.equal(correct.length, 3, client.stdout);
  });

  test("client.ts --lang ko prints the demo in the Korean notes' lines", async () => {
    const logged: string[] = [];
    await using server = await serve({ port: 0, log: (line) => logged.push(line) });
    const client = await program("client.ts", "--port", String(server.addr.port), "--lang", "ko");
    assert.equal(client.code, 0, client.stderr);
    const lines = client.stdout.trimEnd().split("\n");
    // Each banner after a blank line, as the notes print it.
    assert.deepEqual(lines.slice(0, 4), [
      "",
      "1와 5 사이의 숫자를 맞춰보세요! 쉿! 그 숫자는 3 입니다.",
      "",
      "10와 15 사이의 숫자를 맞춰보세요! 쉿! 그 숫자는 12 입니다.",
    ]);
    const words: Record<string, string> = {
      "더따뜻함": "Warmer",
      "더차가움": "Colder",
      "잘모르겠음": "Unsure",
      "맞음": "Correct",
    };
    const english = lines.slice(4).map((line) => {
      const match = line.match(/^클라이언트: (-?\d+)는 (.+)$/);
      assert.ok(match && Object.hasOwn(words, match[2]), line);
      return `Client: ${match[1]} is ${words[match[2]]}`;
    });
    const banners = [
      "Guess a number between 1 and 5! Shhhhh, it's 3.",
      "Guess a number between 10 and 15! Shhhhh, it's 12.",
    ];
    assert.deepEqual(checkDemoOutput([...banners, ...english].join("\n")), english);
    // The language is not the wire's: the client sent English, the server logged it.
    assert.deepEqual(serverReports(logged), english);
  });

  test("server.ts --lang ko logs each report in the Korean notes' words", async () => {
    const [command, args] = runtimeCommand("server.ts", ["--port", "0", "--lang", "ko"]);
    await using server = new Running(command, args);
    const port = await server.port();
    const client = await program("client.ts", "--port", String(port), "--lang", "en");
    assert.equal(client.code, 0, client.stderr);
    const guesses = checkDemoOutput(client.stdout);
    const korean: Record<string, string> = {
      Warmer: "더따뜻함",
      Colder: "더차가움",
      Unsure: "잘모르겠음",
      Correct: "맞음",
    };
    const expected = guesses.map((line) => {
      const [, n, decision] = line.match(/^Client: (-?\d+) is (\w+)$/)!;
      return `서버: ${n}는 ${korean[decision]}`;
    });
    await server.waitFor(new RegExp(`^${expected.at(-1)}$`));
    assert.deepEqual(server.lines.filter((line) => line.startsWith("서버: ")), expected);
    assert.equal(await server.stop("SIGINT"), 0);
  });

  for (const file of ["server.ts", "client.ts"]) {
    test(`${file} --help prints usage and exits 0`, async () => {
      const result = await program(file, "--help");
      assert.equal(result.code, 0);
      assert.match(result.stdout, new RegExp(`^Usage: ${file.replace(".", "\\.")}`));
    });

    test(`${file} with a bad flag prints one line and exits 2`, async () => {
      const timeout = file === "server.ts" ? "--idle-timeout" : "--timeout";
      for (
        const args of [
          ["--bogus"],
          ["--port", "x"],
          ["--port"],
          ["extra"],
          ["--lang", "fr"],
          // Past what a timer can wait (2^31 - 1 ms): refused, not fired at once.
          [timeout, "3000000"],
        ]
      ) {
        const result = await program(file, ...args);
        assert.equal(result.code, 2, `${args}: ${result.stderr}`);
        const lines = result.stderr.trimEnd().split("\n");
        assert.equal(lines.length, 1, result.stderr);
        assert.match(
          lines[0],
          new RegExp(
            `^${file.replace(".", "\\.")}: .+ \\(see '${file.replace(".", "\\.")} --help'\\)$`,
          ),
        );
      }
    });
  }

  test("client.ts where nothing listens prints one line, no stack trace, and exits 1", async () => {
    const server = await serve({ port: 0, quiet: true });
    const port = server.addr.port;
    await server.close();
    const result = await program("client.ts", "--port", String(port));
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.match(
      result.stderr,
      new RegExp(`^client\\.ts: Cannot connect to 127\\.0\\.0\\.1:${port}: .+\\n$`),
    );
  });

  test("client.ts refuses a secret outside the range with exit 2", async () => {
    const result = await program("client.ts", "--lower", "1", "--upper", "5", "--secret", "9");
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--secret 9 is outside 1\.\.5/);
  });

  test("server.ts on a port in use prints one line and exits 1", async () => {
    await using taken = await serve({ port: 0, quiet: true });
    const result = await program("server.ts", "--port", String(taken.addr.port));
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
  });
});
