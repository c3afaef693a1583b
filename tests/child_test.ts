/** `_cli/child.ts`: starting programs, reading their `Listening on` line, and `DENO_ENV`. */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  DENO_ENV,
  DENO_ENV_ASSIGNMENTS,
  listening,
  parseListening,
  scriptCommand,
  start,
} from "../_cli/child.ts";
import { ROOT, run, RUNTIME, runtimeCommand } from "./_helpers.ts";

/**
 * A shell that says it listens (and more, in the same write), then `later`,
 * then waits for SIGTERM and exits 0 after saying `bye`.
 */
const LISTENER = [
  "-c",
  `trap "echo bye; exit 0" TERM; printf 'starting\\nListening on 127.0.0.1:4321\\nafter\\n'; ` +
  "sleep 0.1; echo later; while :; do sleep 0.05; done",
];

describe(`_cli/child.ts on ${RUNTIME}`, () => {
  test("listening() reads the port, gives the rest to rest(); stop() returns the exit code", async () => {
    await using child = await start({ command: "sh", args: LISTENER });
    let rest = "";
    const { promise: later, resolve: sawLater } = Promise.withResolvers<void>();
    const address = await listening(child, {
      rest: (text) => {
        rest += text;
        if (rest.includes("later\n")) sawLater();
      },
    });
    assert.deepEqual(address, { hostname: "127.0.0.1", port: 4321 });
    await later;
    // Exit code 0 after SIGTERM: Deno's node:child_process would report the signal.
    assert.equal(await child.stop("SIGTERM"), 0);
    assert.equal(rest, "after\nlater\nbye\n");
    assert.equal(child.running, false);
  });

  test("listening() rejects when the program exits first, or the timeout passes", async () => {
    await using quits = await start({ command: "sh", args: ["-c", "echo nothing; exit 3"] });
    await assert.rejects(listening(quits), /exited with 3 before it printed "Listening on/);
    await using silent = await start({ command: "sleep", args: ["5"] });
    await assert.rejects(listening(silent, { timeout: 50 }), { name: "TimeoutError" });
    assert.equal(silent.running, true);
  });

  test("start() passes env and stdin, and rejects for a program that is not there", async () => {
    assert.ok(process.env.HOME !== undefined, "needs HOME set, to leave it out");
    await using child = await start({
      command: "sh",
      args: ["-c", 'read line; echo "$line $WARMER_COLDER_TEST ${HOME-unset}"; echo oops >&2'],
      env: { WARMER_COLDER_TEST: "env", HOME: undefined },
      stdin: "pipe",
    });
    let stdout = "";
    let stderr = "";
    child.onStdout((text) => stdout += text);
    child.onStderr((text) => stderr += text);
    const writer = child.stdin!.getWriter();
    await writer.write(new TextEncoder().encode("stdin\n"));
    await writer.close();
    assert.equal(await child.exited, 0);
    assert.deepEqual([stdout, stderr], ["stdin env unset\n", "oops\n"]);
    await assert.rejects(start({ command: join(ROOT, "no-such-program") }));
  });

  test("parseListening() reads ours and the reference's line", () => {
    assert.deepEqual(parseListening("Listening on 127.0.0.1:80"), {
      hostname: "127.0.0.1",
      port: 80,
    });
    assert.deepEqual(parseListening("listening on ::1:9"), { hostname: "::1", port: 9 });
    assert.equal(parseListening("Server: 3 is Correct"), undefined);
  });
});

describe("DENO_ENV reaches every place that starts Deno", () => {
  test("scriptCommand() adds it on Deno, unless this process sets it", () => {
    const deno = scriptCommand("server.ts", { runtime: "deno", executable: "deno" });
    assert.deepEqual(deno.args, ["run", "--allow-net", "server.ts"]);
    for (const [name, value] of Object.entries(DENO_ENV)) {
      if (process.env[name] === undefined) assert.equal(deno.env?.[name], value);
      else assert.equal(deno.env?.[name], undefined, "this process's value passes on");
    }
    assert.deepEqual(scriptCommand("server.ts", { runtime: "bun", executable: "bun" }), {
      command: "bun",
      args: ["server.ts"],
      env: {},
    });
  });

  test("the tests' runtimeCommand() starts Deno with it", () => {
    const [command, args] = runtimeCommand("server.ts");
    const unset = Object.keys(DENO_ENV).some((name) => process.env[name] === undefined);
    if (RUNTIME === "deno" && unset) {
      assert.equal(command, "env");
      assert.deepEqual(
        args.slice(0, Object.keys(DENO_ENV).length),
        DENO_ENV_ASSIGNMENTS.split(" "),
      );
    } else {
      assert.equal(command, process.execPath);
    }
  });

  test("deno.json's tasks and scripts/test.sh start Deno with it", () => {
    const tasks = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")).tasks;
    for (const [name, task] of Object.entries<string>(tasks)) {
      if (/(^|\s)deno\s/.test(task)) {
        // Through env: in deno task's shell a bare `deno` would be the npm
        // package's launcher, which package.json's devDependencies put first.
        assert.ok(task.startsWith(`env ${DENO_ENV_ASSIGNMENTS} deno `), `task ${name}: ${task}`);
      }
    }
    const scripts = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts;
    for (const [name, script] of Object.entries<string>(scripts)) {
      assert.ok(!/(^|\s)deno\s/.test(script) || script.includes(DENO_ENV_ASSIGNMENTS), name);
    }
    const sh = readFileSync(join(ROOT, "scripts", "test.sh"), "utf8");
    const lines = sh.split("\n").filter((line) => /"\$bin\/deno" test/.test(line));
    assert.ok(lines.length > 0);
    for (const line of lines) {
      assert.ok(line.includes(`env ${DENO_ENV_ASSIGNMENTS} "$bin/deno"`), line);
    }
  });

  test("deno task server starts a server that plays, with the variable in its environment", {
    timeout: 60_000,
  }, async () => {
    // --no-lock: the task would otherwise write package.json's packages into deno.lock.
    await using child = await start({
      command: join(ROOT, "node_modules", ".bin", "deno"),
      args: ["task", "--no-lock", "server", "--port", "0", "--quiet"],
      cwd: ROOT,
      // As a user has it: deno on the PATH.
      env: { PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH}` },
      stderr: "ignore",
    });
    try {
      const { port } = await listening(child, { timeout: 30_000 });
      const { connect } = await import("../client.ts");
      {
        await using client = await connect({ port });
        await using game = await client.session(1, 5, 3);
        let last = "";
        for await (const n of game.requestNumbers(5)) last = await game.reportOutcome(n);
        assert.equal(last, "Correct");
      }
      if (process.platform === "linux") {
        // The server is deno task's child (through env, which execs deno).
        const pids = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8")
          .trim().split(/\s+/);
        const environ = pids.map((pid) => readFileSync(`/proc/${pid}/environ`, "utf8"));
        assert.ok(
          environ.some((env) => env.split("\0").includes(DENO_ENV_ASSIGNMENTS)),
          pids.join(),
        );
      }
    } finally {
      // SIGTERM, which deno task passes on: a SIGKILL would leave the server
      // running, holding the output open.
      assert.equal(await child.stop("SIGTERM"), 0);
    }
  });

  test("server.ts --help tells Deno's users", async () => {
    const [command, args] = runtimeCommand("server.ts", ["--help"]);
    const help = await run(command, args);
    assert.equal(help.code, 0, help.stderr);
    assert.ok(help.stdout.includes(DENO_ENV_ASSIGNMENTS), help.stdout);
  });
});
