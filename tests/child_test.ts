/** `_cli/child.ts`: starting programs and reading their `Listening on` line. */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import process from "node:process";
import { listening, parseListening, start } from "../_cli/child.ts";
import { ROOT, RUNTIME } from "./_helpers.ts";

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
