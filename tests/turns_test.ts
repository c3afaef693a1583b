/**
 * The turns (_transport/turns.ts) on fake sockets, with the event loop's
 * tasks run by hand: what an owner does not take is handed on whole, in
 * order and once, never while it has paused, at the socket's turn, round
 * robin with the other sockets; an end comes after what was held; and one
 * task of turns gives way once its time is up. And a WebSocket's messages,
 * counted a task at a time, take the same turns.
 *
 * Runs unchanged under `node --test`, `bun test` and `deno test -A`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { test } from "node:test";
import { deliver, ended, type Paced, resumed, TURN_TASK_MS, Turns } from "../_transport/turns.ts";
import type { WebPeer } from "../_transport/types.ts";
import { TURN_LINES } from "../_server/connection.ts";
import { MessageSocket } from "../_web/socket.ts";

/** Turns whose tasks wait in `tasks` until the test runs them. */
function manualTurns(): { turns: Turns; tasks: (() => void)[] } {
  const tasks: (() => void)[] = [];
  return { turns: new Turns((task) => void tasks.push(task)), tasks };
}

/**
 * A fake socket whose owner takes at most `most` bytes a call, pauses after
 * every `every`-th call, and keeps a copy of what it takes; `log` has the
 * events in order, named by `name`.
 */
function fakeSocket(turns: Turns, name: string, most: number, every: number, log: string[]) {
  const taken: Uint8Array[] = [];
  let calls = 0;
  let reading = true;
  const socket: Paced = {
    turns,
    paused: false,
    held: undefined,
    heldEnd: false,
    readOn: () => void (reading = true),
    handlers: {
      data(bytes, length) {
        assert.ok(!socket.paused, `${name}: nothing is handed on while paused`);
        const n = Math.min(most, length);
        taken.push(bytes.slice(0, n));
        log.push(name);
        if (++calls % every === 0) socket.paused = true;
        return n;
      },
      drain() {},
      end: () => void log.push(`${name} end`),
      close() {},
    },
  };
  /** A read, as an adapter hands it on: only while the transport may read. */
  const read = (bytes: Uint8Array) => {
    assert.ok(reading, `${name}: a read while holding or paused`);
    const copy = Uint8Array.from([...bytes, 255, 255]); // a buffer larger than the read
    reading = deliver(socket, copy, bytes.length, true);
    copy.fill(0); // a read is only valid during the call
  };
  const resume = () => {
    socket.paused = false;
    if (resumed(socket)) reading = true;
  };
  return { socket, taken, read, resume, reading: () => reading };
}

/** Runs the queued tasks until none is left (each may queue another). */
function runAll(tasks: (() => void)[]): void {
  for (let i = 0; i < 100_000 && tasks.length > 0; i++) tasks.shift()!();
  assert.equal(tasks.length, 0, "the turns end");
}

function bytesOf(size: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (seed + i) % 251);
}

for (const [most, every] of [[13, 1], [7, 3], [1000, 2], [70_000, 5]] as const) {
  test(
    `turns: reads of 1 to 100000 bytes, to an owner that takes at most ${most} bytes a call and pauses every ${every} calls, are handed on whole, in order, once, and never while paused; an end while bytes are held comes after them`,
    { timeout: 60_000 },
    () => {
      const { turns, tasks } = manualTurns();
      const log: string[] = [];
      const a = fakeSocket(turns, "a", most, every, log);
      const sent: Uint8Array[] = [];
      for (const [i, size] of [1, 100_000, 16_384, 7, 65_536, 3, 80_000].entries()) {
        const bytes = bytesOf(size, i);
        sent.push(bytes);
        a.read(bytes);
        // The owner resumes as its replies drain; its turns come as tasks.
        while (!a.reading()) {
          if (a.socket.paused) a.resume();
          else runAll(tasks);
        }
      }
      a.read(bytesOf(5000, 9));
      sent.push(bytesOf(5000, 9));
      ended(a.socket);
      while (!log.includes("a end")) {
        if (a.socket.paused) a.resume();
        else runAll(tasks);
      }
      assert.equal(log.at(-1), "a end");
      assert.equal(log.filter((entry) => entry === "a end").length, 1);
      assert.deepEqual(Buffer.concat(a.taken), Buffer.concat(sent), "every byte, in order, once");
    },
  );
}

test("turns: sockets holding input take their turns round robin, one call each a turn", () => {
  const { turns, tasks } = manualTurns();
  const log: string[] = [];
  const sockets = ["a", "b", "c"].map((name) => fakeSocket(turns, name, 10, Infinity, log));
  for (const socket of sockets) socket.read(bytesOf(40, 0));
  assert.deepEqual(log, ["a", "b", "c"], "each read's first call at once");
  assert.equal(tasks.length, 1, "one task for all the turns");
  runAll(tasks);
  assert.deepEqual(log.slice(3), ["a", "b", "c", "a", "b", "c", "a", "b", "c"]);
  assert.ok(sockets.every((socket) => socket.reading()), "each reads on once it took all");
});

test(`turns: one task gives way after ${TURN_TASK_MS} ms of turns, and the next goes on where it stopped`, () => {
  const { turns, tasks } = manualTurns();
  const log: string[] = [];
  const slow = fakeSocket(turns, "slow", 1, Infinity, log);
  const data = slow.socket.handlers.data;
  // Every call of this owner takes longer than a task's time.
  (slow.socket.handlers as { data: typeof data }).data = (bytes, length) => {
    const until = performance.now() + TURN_TASK_MS + 1;
    while (performance.now() < until) { /* busy */ }
    return data(bytes, length);
  };
  const quick = fakeSocket(turns, "quick", 1, Infinity, log);
  slow.read(bytesOf(3, 0));
  quick.read(bytesOf(3, 0));
  log.length = 0;
  tasks.shift()!();
  assert.deepEqual(log, ["slow"], "the first task's time is up after one turn");
  assert.equal(tasks.length, 1, "another task is queued");
  tasks.shift()!();
  // quick's turn, then slow's again, whose time ends this task too.
  assert.deepEqual(log, ["slow", "quick", "slow"]);
  assert.equal(tasks.length, 1, "slow still holds a byte");
});

/** A WebSocket's socket (_web/socket.ts) on a fake peer, whose owner logs each line it is handed. */
function fakeMessageSocket(turns: Turns, name: string, log: string[]): MessageSocket {
  const peer: WebPeer = {
    send() {},
    bufferedAmount: 0,
    close() {},
    terminate() {},
  };
  const decoder = new TextDecoder();
  return new MessageSocket(
    peer,
    () => ({
      data(bytes, length) {
        for (const line of decoder.decode(bytes.subarray(0, length)).split("\n").slice(0, -1)) {
          log.push(`${name} ${line}`);
        }
        return undefined;
      },
      drain() {},
      end() {},
      close() {},
    }),
    1 << 20,
    turns,
  );
}

test(`turns over WebSocket: past ${TURN_LINES} messages in one task a socket's lines wait for its turn; the count starts again in the next task, one queued task for all sockets`, () => {
  const { turns, tasks } = manualTurns();
  const log: string[] = [];
  const a = fakeMessageSocket(turns, "a", log);
  const b = fakeMessageSocket(turns, "b", log);
  for (let i = 0; i < 100; i++) {
    a.message(`A${i}`, false);
    b.message(`B${i}`, false);
  }
  const lines = (name: string) => log.filter((entry) => entry.startsWith(`${name} `));
  assert.equal(lines("a").length, TURN_LINES, "a's first lines at once");
  assert.equal(lines("b").length, TURN_LINES, "b counts its own");
  // One task counts the event loop's tasks, for both; one gives the turns.
  assert.equal(tasks.length, 2, "two tasks queued, not one a socket");
  runAll(tasks);
  const expected = (name: string, letter: string) =>
    Array.from({ length: 100 }, (_, i) => `${name} ${letter}${i}`);
  assert.deepEqual(lines("a"), expected("a", "A"), "every line, in order, once");
  assert.deepEqual(lines("b"), expected("b", "B"));
  // A new task: a message is handed on at once again.
  a.message("again", false);
  assert.equal(log.at(-1), "a again");
});
