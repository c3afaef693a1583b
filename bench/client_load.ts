/**
 * The client benchmark's player: one process that plays games of 1..100
 * against a server (bench/ceiling.c, so that the server is never what bounds
 * it) on `--connections` connections at once, and prints what it did over its
 * measured window as one JSON line: `{"roundTrips", "games", "seconds",
 * "cpuUs", "userUs"}` (`cpuUs`: this process's user and system CPU time in
 * the window, in µs; `userUs`: the user part of it).
 *
 * `--client` says which client plays:
 *
 * - `connect`: the module's `connect()`, as a user writes a game: `await
 *   using` a session, `for await` over `requestNumbers`, `reportOutcome`.
 * - `streams`: the same game on `new Client({ readable, writable })` over the
 *   runtime's own stream pair (a `Deno.connect` connection's streams;
 *   `Duplex.toWeb` of a `node:net` socket on Node and Bun).
 * - `floor`: the plainest client of the same games on the runtime's own
 *   sockets (`Deno.connect`, `Bun.connect`, `node:net`), written as lightly as
 *   possible, the way bench/bare_server.ts is the server's floor: bytes parsed
 *   in place, numbers as `number`s, one write a round trip (`REPORT` and the
 *   next `NUMBER` together). Not the project's client.
 *
 * Every player decides by the reference's rule, so the wire is the same.
 *
 * Usage: deno run -A bench/client_load.ts | bun bench/client_load.ts |
 *   node bench/client_load.ts, with --port PORT [--host 127.0.0.1]
 *   [--client connect|streams|floor] [--connections 1] [--duration 5] [--warmup 1].
 *
 * @module
 */

import { connect as netConnect, type Socket as NetSocket } from "node:net";
import process from "node:process";
import { Duplex as NodeDuplex } from "node:stream";
import { parseArgs } from "node:util";
import { Client, connect } from "../client.ts";
import { RUNTIME } from "../_transport/detect.ts";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string" },
    client: { type: "string", default: "connect" },
    connections: { type: "string", default: "1" },
    duration: { type: "string", default: "5" },
    warmup: { type: "string", default: "1" },
  },
});
const host = values.host;
const port = Number(values.port);
if (!Number.isInteger(port) || port < 1) throw new Error("--port PORT is required");

let roundTrips = 0;
let games = 0;
let stopping = false;
/** A secret of 1..100. */
const secret = () => 1 + Math.floor(Math.random() * 100);

/** Plays games on one of the module's clients until told to stop. */
async function play(client: Client): Promise<void> {
  while (!stopping) {
    await using game = await client.session(1, 100, secret());
    for await (const n of game.requestNumbers(100)) {
      roundTrips++;
      await game.reportOutcome(n);
    }
    games++;
  }
  await client.close();
}

/** A Node (or Bun) socket, connected, without Nagle's delay. */
function netSocket(): Promise<NetSocket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port });
    socket.once("error", reject).once("connect", () => {
      socket.off("error", reject);
      resolve(socket.setNoDelay(true));
    });
  });
}

/** The runtime's own stream pair of one connection. */
async function streamPair(): Promise<{
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
}> {
  if (RUNTIME === "deno") {
    const conn = await Deno.connect({ hostname: host, port });
    conn.setNoDelay(true);
    return conn;
  }
  return NodeDuplex.toWeb(await netSocket()) as {
    readable: ReadableStream<Uint8Array>;
    writable: WritableStream<Uint8Array>;
  };
}

// ------------------------------------------------ the floor

const LF = 10;
const encoder = new TextEncoder();

/** The floor's game: one reply in, the next write out. */
class Plain {
  secret = secret();
  previous = NaN;
  value = 0;
  /** Bytes of one reply line, read as they come; returns what to write, or "" until its end. */
  read(bytes: Uint8Array, length: number): string {
    let out = "";
    for (let i = 0; i < length; i++) {
      const b = bytes[i];
      if (b !== LF) {
        if (b < 0x30 || b > 0x39) throw new Error(`not a number: ${String.fromCharCode(b)}`);
        this.value = this.value * 10 + b - 0x30;
        continue;
      }
      if (this.value < 1 || this.value > 100) {
        throw new Error(`a guess outside 1..100: ${this.value}`);
      }
      out += this.reply(this.value);
      this.value = 0;
    }
    return out;
  }

  reply(guess: number): string {
    roundTrips++;
    if (guess === this.secret) {
      games++;
      this.secret = secret();
      this.previous = NaN;
      return stopping
        ? "REPORT Correct\nPARAMS 0 -1\n"
        : "REPORT Correct\nPARAMS 0 -1\nPARAMS 1 100\nNUMBER\n";
    }
    const distance = Math.abs(guess - this.secret);
    const word = Number.isNaN(this.previous) || distance === this.previous
      ? "Unsure"
      : distance < this.previous
      ? "Warmer"
      : "Colder";
    this.previous = distance;
    return `REPORT ${word}\nNUMBER\n`;
  }
}

const FIRST = "PARAMS 1 100\nNUMBER\n";

async function floorDeno(): Promise<void> {
  const conn = await Deno.connect({ hostname: host, port });
  conn.setNoDelay(true);
  const game = new Plain();
  const buffer = new Uint8Array(4096);
  await conn.write(encoder.encode(FIRST));
  for (let n; (n = await conn.read(buffer)) !== null;) {
    const out = game.read(buffer, n);
    if (out !== "") await conn.write(encoder.encode(out));
    if (out.endsWith("PARAMS 0 -1\n")) break;
  }
  conn.close();
}

function floorBun(): Promise<void> {
  // deno-lint-ignore no-explicit-any
  const Bun = (globalThis as any).Bun;
  return new Promise((resolve, reject) => {
    const game = new Plain();
    Bun.connect({
      hostname: host,
      port,
      socket: {
        // deno-lint-ignore no-explicit-any
        open(socket: any) {
          socket.setNoDelay?.(true);
          socket.write(FIRST);
        },
        // deno-lint-ignore no-explicit-any
        data(socket: any, chunk: Uint8Array) {
          const out = game.read(chunk, chunk.length);
          if (out !== "") socket.write(out);
          if (out.endsWith("PARAMS 0 -1\n")) socket.end();
        },
        close: () => resolve(),
        error: (_: unknown, error: Error) => reject(error),
      },
    }).catch(reject);
  });
}

async function floorNode(): Promise<void> {
  const socket = await netSocket();
  const game = new Plain();
  await new Promise<void>((resolve, reject) => {
    socket.on("data", (chunk: Uint8Array) => {
      const out = game.read(chunk, chunk.length);
      if (out !== "") socket.write(out);
      if (out.endsWith("PARAMS 0 -1\n")) socket.end();
    });
    socket.on("close", () => resolve()).on("error", reject);
    socket.write(FIRST);
  });
}

// ------------------------------------------------ the run

const player = values.client === "floor"
  ? () => RUNTIME === "deno" ? floorDeno() : RUNTIME === "bun" ? floorBun() : floorNode()
  : values.client === "connect"
  ? async () => play(await connect({ hostname: host, port }))
  : values.client === "streams"
  ? async () => play(new Client(await streamPair()))
  : undefined;
if (!player) throw new Error(`--client wants connect, streams or floor, got ${values.client}`);

const sleep = (s: number) => new Promise((resolve) => setTimeout(resolve, s * 1000));
const snapshot = () => {
  const cpu = process.cpuUsage();
  return {
    at: performance.now(),
    cpuUs: cpu.user + cpu.system,
    userUs: cpu.user,
    roundTrips,
    games,
  };
};
const all = Array.from({ length: Number(values.connections) }, () => player());
await sleep(Number(values.warmup));
const start = snapshot();
await sleep(Number(values.duration));
const end = snapshot();
stopping = true;
await Promise.all(all);
console.log(JSON.stringify({
  roundTrips: end.roundTrips - start.roundTrips,
  games: end.games - start.games,
  seconds: (end.at - start.at) / 1000,
  cpuUs: end.cpuUs - start.cpuUs,
  userUs: end.userUs - start.userUs,
}));
process.exit(0);
