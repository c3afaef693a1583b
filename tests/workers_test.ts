/**
 * `server.ts --workers N`: several processes on one port, one shutdown for
 * all, and every worker behaving as the first process does.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { Client, connect, webSocketStreams } from "../client.ts";
import { DENO_ENV, scriptCommand } from "../_cli/child.ts";
import { decisionWord, MESSAGES } from "../_cli/messages.ts";
import type { Decision } from "../protocol.ts";
import { RawClient } from "./_raw_client.ts";
import { ROOT, run, Running, RUNTIME, runtimeCommand, titled } from "./_helpers.ts";
import { makeCertificates, opensslSkip } from "./_tls.ts";

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

/** A process's arguments or environment, from /proc. */
function proc(pid: number, file: "cmdline" | "environ"): string[] {
  return readFileSync(`/proc/${pid}/${file}`, "utf8").split("\0").filter((s) => s !== "");
}

/**
 * The ceiling of the tests that restart and wait for processes (Bun's default
 * is 5 s); their waits have their own, shorter, deadlines.
 */
const LIMIT = 60_000;

const skip = existsSync("/proc/self/fd")
  ? false
  : "needs Linux's /proc to see each worker's sockets";

/** `server.ts --workers N` (2 unless told) and more flags, on this runtime (on Deno with `denoFlags`). */
function workers(
  args: string[],
  denoFlags = ["-A", "--unstable-net"],
  count = 2,
): [string, string[]] {
  return runtimeCommand(
    "server.ts",
    ["--port", "0", "--workers", String(count), ...args],
    denoFlags,
  );
}

/** The processes `pids` found, for `killingAll` to end. */
const seen = new Set<number>();

/** The process ids of the server and its workers, from its first `Workers:` line. */
async function pids(server: Running, count = 2): Promise<number[]> {
  const pids = (await server.waitFor(/^Workers: ([\d ]+)$/))[1].split(" ").map(Number);
  for (const pid of pids) seen.add(pid);
  assert.equal(pids.length, count);
  return pids;
}

/** The process ids of its last `Workers:` line, once that line differs from `before`. */
async function newPids(server: Running, before: number[]): Promise<number[]> {
  const last = () => server.lines.findLast((line) => line.startsWith("Workers: "));
  const old = `Workers: ${before.join(" ")}`;
  await server.until(() => last() !== old, { what: `Workers: line other than ${old}` });
  const pids = last()!.slice("Workers: ".length).split(" ").map(Number);
  for (const pid of pids) seen.add(pid);
  assert.equal(pids.length, before.length);
  return pids;
}

/** Whether a process runs: it is there and not a zombie, from /proc. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** Checks `done()` every 20 ms until it holds; fails after `timeout` ms. */
async function poll(done: () => boolean, what: string, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`Not within ${timeout} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until a server's standard error has `count` lines, and returns them. */
async function stderrLines(server: Running, count: number, timeout?: number): Promise<string[]> {
  const lines = () => server.stderr.split("\n").slice(0, -1);
  await poll(
    () => lines().length >= count,
    `${count} lines on stderr, got ${JSON.stringify(server.stderr)}`,
    timeout,
  );
  return lines();
}

/**
 * Runs a test, then kills what is left of the processes it started: after a
 * failure the server is killed (SIGKILL), which leaves its workers running.
 */
function killingAll(body: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await body();
    } finally {
      for (const pid of seen) {
        try {
          process.kill(pid, "SIGKILL");
        } catch { /* gone, as it should be */ }
      }
      seen.clear();
    }
  };
}

/**
 * Plays 40 games at once, 1..10 to the end, each on a client from `open`, and
 * checks that each process holds some of the connections while they are
 * open. Returns how many reports were sent.
 */
async function playOnEveryWorker(pids: number[], open: () => Promise<Client>): Promise<number> {
  const before = pids.map(sockets);
  const clients: Client[] = [];
  let reports = 0;
  try {
    const games = [];
    for (let i = 0; i < 40; i++) {
      const client = await open();
      clients.push(client);
      const game = await client.session(1, 10, 1 + (i % 10));
      const first = await game.requestNumbers(1).next();
      assert.ok(first.value! >= 1n && first.value! <= 10n);
      games.push(async () => {
        let last = await game.reportOutcome(first.value!);
        reports++;
        for await (const n of game.requestNumbers(10)) {
          last = await game.reportOutcome(n);
          reports++;
        }
        assert.equal(last, "Correct");
      });
    }
    const after = pids.map(sockets);
    for (let i = 0; i < pids.length; i++) {
      assert.ok(
        after[i] > before[i],
        `process ${pids[i]} got no connection: ${before} -> ${after}`,
      );
    }
    assert.ok(after[0] - before[0] + after[1] - before[1] >= 40, `${before} -> ${after}`);
    await Promise.all(games.map((play) => play()));
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
  return reports;
}

const DECISIONS: readonly Decision[] = ["Warmer", "Colder", "Unsure", "Correct"];

/** The report lines of a server's output, in any language, once there are `count`. */
async function reportLines(server: Running, count: number): Promise<string[]> {
  const reports = () => server.lines.filter((line) => /^(Server|서버): /.test(line));
  await server.until(() => reports().length >= count, { what: `${count} reports` });
  return reports();
}

test(
  titled(
    `server.ts --workers 2 on ${RUNTIME}: connections reach every worker; SIGTERM stops all`,
    skip,
  ),
  { skip },
  killingAll(async () => {
    const [command, args] = workers(["--quiet"]);
    await using server = new Running(command, args);
    const port = await server.port();
    const all = await pids(server);
    await playOnEveryWorker(all, () => connect({ port }));
    assert.equal(await server.stop(), 0);
    for (const pid of all) assert.ok(!existsSync(`/proc/${pid}/fd`), `process ${pid} still runs`);
  }),
);

test(
  titled(
    `server.ts --workers 2 --web 0 on ${RUNTIME}: WebSocket games reach every worker, on the port the first process chose`,
    skip,
  ),
  { skip, timeout: LIMIT },
  killingAll(async () => {
    const [command, args] = workers(["--web", "0"]);
    await using server = new Running(command, args);
    await server.port();
    const [, url] = await server.waitFor(/^Web page on (http:\/\/127\.0\.0\.1:\d+\/)$/);
    const all = await pids(server);
    const ws = url.replace("http:", "ws:") + "ws";
    const open = () => Promise.resolve(new Client(webSocketStreams(new WebSocket(ws))));
    assert.ok(await playOnEveryWorker(all, open) >= 40);
    // The page too, from whichever process the request reaches.
    for (let i = 0; i < 8; i++) {
      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<html/);
    }
    assert.equal(server.lines.filter((line) => line.startsWith("Web page on ")).length, 1);
    assert.equal(await server.stop(), 0);
  }),
);

const tlsSkip = skip || await opensslSkip();
test(
  titled(`server.ts --workers 2 --tls-cert on ${RUNTIME}: every worker speaks TLS`, tlsSkip),
  { skip: tlsSkip, timeout: LIMIT },
  killingAll(async () => {
    const certs = await makeCertificates();
    try {
      const tls = ["--tls-cert", certs.server.certFile, "--tls-key", certs.server.keyFile];
      const [command, args] = workers(["--quiet", ...tls]);
      await using server = new Running(command, args);
      const port = await server.port();
      const all = await pids(server);
      // Each of the 40 TLS games lands on a worker, and both get some.
      assert.ok(await playOnEveryWorker(all, () => connect({ port, tls: { ca: certs.ca } })) >= 40);
      // And none of them speaks plaintext.
      for (let i = 0; i < 8; i++) {
        await using raw = await RawClient.connect(port);
        await raw.write("PARAMS 1 10\nNUMBER\n");
        assert.doesNotMatch((await raw.rest()).join("\n"), /^\d+$/m);
      }
      assert.equal(await server.stop(), 0);
    } finally {
      certs.remove();
    }
  }),
);

test(
  titled(
    `server.ts --workers 3 on ${RUNTIME}: when the first process is SIGKILLed, the workers shut down as on SIGTERM and free the port`,
    skip,
  ),
  { skip, timeout: LIMIT },
  killingAll(async () => {
    // Three processes: no worker may hold another's pipe from the first process open.
    const [command, args] = workers(["--quiet"], undefined, 3);
    await using server = new Running(command, args);
    const port = await server.port();
    const all = await pids(server, 3);
    const clients: RawClient[] = [];
    try {
      // Games in progress, on every process (12 connections: all on one is 1 in 3^11).
      for (let i = 0; i < 12; i++) {
        const client = await RawClient.connect(port);
        clients.push(client);
        await client.write("PARAMS 1 10\nNUMBER\n");
        assert.match(await client.line(), /^\d+$/);
      }
      process.kill(all[0], "SIGKILL");
      await poll(() => !all.some(alive), `processes ${all} to end`, 5_000);
      const last = await Promise.all(clients.map(async (client) => (await client.rest()).at(-1)));
      // The first process's games are cut; each worker's end with its shutdown's line.
      assert.ok(
        last.some((line) => line?.startsWith("ERROR shutting-down ")),
        JSON.stringify(last),
      );
    } finally {
      for (const client of clients) client.destroy();
    }
    await assert.rejects(RawClient.connect(port), (error: NodeJS.ErrnoException) => {
      assert.equal(error.code, "ECONNREFUSED");
      return true;
    });
  }),
);

test(
  titled(
    `server.ts --workers 2 on ${RUNTIME}: a worker that dies is reported on stderr at once and started again`,
    skip,
  ),
  { skip, timeout: LIMIT },
  killingAll(async () => {
    const [command, args] = workers(["--quiet"]);
    await using server = new Running(command, args);
    const port = await server.port();
    const before = await pids(server);
    process.kill(before[1], "SIGKILL");
    const [line] = await stderrLines(server, 1, 5_000);
    assert.equal(
      line,
      `server.ts: worker 1 (pid ${before[1]}) was killed by SIGKILL; ` +
        "starting it again (restart 1 of at most 3 within 60 s)",
    );
    const after = await newPids(server, before);
    assert.equal(after[0], before[0]);
    assert.ok(after[1] !== before[1] && alive(after[1]), `${before} -> ${after}`);
    await playOnEveryWorker(after, () => connect({ port }));
    assert.equal(await server.stop(), 0);
    for (const pid of after) assert.ok(!alive(pid), `process ${pid} still runs`);
    assert.equal(server.stderr, `${line}\n`);
  }),
);

test(
  titled(
    `server.ts --workers 3 --lang ko on ${RUNTIME}: a worker that dies a 4th time within a minute stops the server, exit code 1`,
    skip,
  ),
  { skip, timeout: LIMIT },
  killingAll(async () => {
    const [command, args] = workers(["--quiet", "--lang", "ko"], undefined, 3);
    await using server = new Running(command, args);
    await server.port();
    let current = await pids(server, 3);
    const died: number[] = [];
    // SIGTERM first: a worker stopped by a signal and exiting 0 is still unexpected.
    for (const signal of ["SIGTERM", "SIGKILL", "SIGKILL"] as const) {
      died.push(current[1]);
      process.kill(current[1], signal);
      current = await newPids(server, current);
    }
    died.push(current[1]);
    process.kill(current[1], "SIGKILL");
    assert.equal(await server.exited, 1);
    const restart = (n: number) => `다시 시작합니다(60초 안에 최대 3번 중 ${n}번째).`;
    assert.deepEqual(await stderrLines(server, 4), [
      `server.ts: 워커 1(pid ${died[0]})이(가) 끝났습니다(종료 코드 0). ${restart(1)}`,
      `server.ts: 워커 1(pid ${died[1]})이(가) SIGKILL 신호로 끝났습니다. ${restart(2)}`,
      `server.ts: 워커 1(pid ${died[2]})이(가) SIGKILL 신호로 끝났습니다. ${restart(3)}`,
      `server.ts: 워커 1(pid ${died[3]})이(가) SIGKILL 신호로 끝났습니다. ` +
      "60초 안에 이미 3번 다시 시작했으므로 서버를 멈춥니다.",
    ]);
    for (const pid of current) assert.ok(!alive(pid), `process ${pid} still runs`);
  }),
);

const noSetsid = skip || await run("setsid", ["--version"]).then(
  (result) => result.code === 0 ? false : "needs util-linux's setsid(1)",
  () => "needs util-linux's setsid(1)",
);

test(
  titled(
    `server.ts --workers 3 on ${RUNTIME}: SIGINT to every process at once, as Ctrl-C sends it, stops all with exit code 0 and no worker reported`,
    noSetsid,
  ),
  { skip: noSetsid, timeout: LIMIT },
  killingAll(async () => {
    // setsid(1): the server and its workers in a process group of their own, the server's id.
    const [command, args] = workers(["--quiet"], undefined, 3);
    await using server = new Running("setsid", [command, ...args]);
    await server.port();
    const all = await pids(server, 3);
    process.kill(-all[0], "SIGINT");
    assert.equal(await server.exited, 0);
    assert.equal(server.stderr, "");
    for (const pid of all) assert.ok(!alive(pid), `process ${pid} still runs`);
  }),
);

test(
  titled(
    `server.ts --workers 2 on ${RUNTIME}: with LANG=ko_KR.UTF-8 and no --lang, every process reports in Korean`,
    skip,
  ),
  { skip },
  killingAll(async () => {
    // On Deno the first process may read LANG and no more, so the workers cannot read it.
    const denoFlags = ["--allow-net", "--allow-run", "--allow-env=LANG", "--unstable-net"];
    const [command, args] = workers([], denoFlags);
    await using server = new Running(command, args, { LANG: "ko_KR.UTF-8" });
    const port = await server.port();
    const reports = await playOnEveryWorker(await pids(server), () => connect({ port }));
    const lines = await reportLines(server, reports);
    assert.equal(lines.length, reports);
    const words = DECISIONS.map((decision) => MESSAGES.ko.decision[decision]);
    for (const line of lines) {
      assert.ok(line.startsWith("서버: ") && words.some((word) => line.endsWith(word)), line);
    }
    assert.equal(await server.stop(), 0);
  }),
);

const noScript = skip || await run("script", ["--version"]).then(
  (result) => result.code === 0 ? false : "needs util-linux's script(1)",
  () => "needs util-linux's script(1)",
);

/** A command line as one shell word each. */
function shell(words: string[]): string {
  return words.map((word) => `'${word.replaceAll("'", `'\\''`)}'`).join(" ");
}

test(
  titled(
    `server.ts --workers 2 on ${RUNTIME}: on a terminal, every process colours its reports`,
    noScript,
  ),
  { skip: noScript },
  killingAll(async () => {
    // script(1) gives the server a pseudo-terminal as its standard output.
    const [command, args] = workers([]);
    await using server = new Running(
      "script",
      ["-qec", shell([command, ...args]), "/dev/null"],
      { NO_COLOR: "" }, // empty: as if unset
    );
    const port = await server.port();
    const all = await pids(server);
    try {
      const reports = await playOnEveryWorker(all, () => connect({ port }));
      const lines = await reportLines(server, reports);
      assert.equal(lines.length, reports);
      const coloured = DECISIONS.map((decision) => decisionWord(MESSAGES.en, decision, true));
      for (const line of lines) {
        assert.ok(coloured.includes(line.replace(/^Server: \d+ is /, "")), JSON.stringify(line));
      }
    } finally {
      process.kill(all[0], "SIGTERM");
    }
    assert.equal(await server.exited, 0);
  }),
);

const denoSkip = skip || (RUNTIME === "deno" ? false : "runs on Deno only");

test(
  titled(
    "server.ts --workers 2 on deno: the workers have the first process's permissions",
    denoSkip,
  ),
  { skip: denoSkip },
  killingAll(async () => {
    const granted = ["--allow-net", "--allow-env", "--allow-read", "--allow-run"];
    const [command, args] = workers(["--quiet"], [...granted, "--unstable-net"]);
    await using server = new Running(command, args);
    await server.port();
    const [first, worker] = await pids(server);
    const allows = (pid: number) =>
      proc(pid, "cmdline").filter((arg) => /^(-A|--allow-)/.test(arg));
    assert.deepEqual(allows(first).sort(), [...granted].sort());
    assert.deepEqual(allows(worker).sort(), [...granted].sort());
    assert.equal(await server.stop(), 0);
  }),
);

test(
  titled("server.ts --workers 2 on deno: the workers start with DENO_ENV", denoSkip),
  { skip: denoSkip },
  killingAll(async () => {
    // The first process without it: the workers get it from it, not from this one.
    const { command, args } = scriptCommand(join(ROOT, "server.ts"), {
      args: ["--port", "0", "--workers", "2", "--quiet"],
      denoFlags: ["-A", "--unstable-net"],
    });
    const unset = Object.fromEntries(Object.keys(DENO_ENV).map((name) => [name, undefined]));
    await using server = new Running(command, [...args ?? []], unset);
    await server.port();
    const [first, worker] = await pids(server);
    const expected = Object.entries(DENO_ENV).map(([name, value]) => `${name}=${value}`);
    for (const line of expected) {
      assert.ok(!proc(first, "environ").includes(line), `the first process has ${line}`);
      assert.ok(proc(worker, "environ").includes(line), `a worker lacks ${line}`);
    }
    assert.equal(await server.stop(), 0);
  }),
);
