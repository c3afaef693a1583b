/**
 * A minimal warmer-colder server on plain `node:net`, written as lightly as
 * possible, for the benchmark only: it shows how hard bench/load.ts can drive a
 * server that costs almost nothing (the generator's ceiling). Bytes are parsed
 * in place, numbers are plain `number`s, replies to one chunk go out in one
 * write, and checks are minimal. Not the project's server.
 *
 * Usage: node_modules/.bin/node bench/ceiling_server.ts [--port 0] [--host 127.0.0.1]
 * Prints `Listening on HOST:PORT`; stops on SIGTERM or SIGINT.
 *
 * @module
 */

import { createServer, type Socket } from "node:net";
import process from "node:process";
import { parseArgs } from "node:util";

const LF = 10;
const MAX_LINE = 256;

/** One connection's game and partial line. */
class Session {
  lower = 0;
  upper = -1;
  secret = NaN;
  guesses: number[] = [];
  line: Uint8Array = new Uint8Array(MAX_LINE);
  length = 0;

  /** Handles one line; returns the reply text, or "" for none. */
  command(): string {
    const line = this.line;
    const n = this.length;
    this.length = 0;
    if (n === 6 && line[0] === 78) return this.number(); // NUMBER
    if (n > 7 && line[0] === 80) return this.params(n); // PARAMS lower upper
    if (n > 7 && line[0] === 82) { // REPORT decision
      const correct = line[7] === 67 && line[9] === 114; // "Correct", not "Colder"
      if (correct && this.guesses.length > 0) this.secret = this.guesses[this.guesses.length - 1];
      return "";
    }
    return "ERROR unknown-command Unknown command\n";
  }

  params(n: number): string {
    const text = new TextDecoder().decode(this.line.subarray(7, n));
    const space = text.indexOf(" ");
    this.lower = Number(text.slice(0, space));
    this.upper = Number(text.slice(space + 1));
    this.secret = NaN;
    this.guesses.length = 0;
    return "";
  }

  number(): string {
    if (this.upper < this.lower) return "ERROR no-game Send PARAMS first\n";
    let guess = this.secret;
    if (Number.isNaN(guess)) {
      const size = this.upper - this.lower + 1;
      if (this.guesses.length >= size) return "ERROR exhausted No numbers left\n";
      do guess = this.lower + Math.floor(Math.random() * size); while (
        this.guesses.includes(guess)
      );
    }
    this.guesses.push(guess);
    return guess + "\n";
  }
}

function serve(socket: Socket): void {
  socket.setNoDelay(true);
  const session = new Session();
  socket.on("data", (chunk: Uint8Array) => {
    let out = "";
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === LF) out += session.command();
      else if (session.length < MAX_LINE) session.line[session.length++] = b;
    }
    if (out !== "") socket.write(out);
  });
  socket.on("error", () => socket.destroy());
}

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "0" },
    quiet: { type: "boolean", default: false },
  },
});
const server = createServer(serve);
server.listen({ host: values.host, port: Number(values.port), backlog: 4096 }, () => {
  const address = server.address();
  if (address !== null && typeof address === "object") {
    console.log(`Listening on ${address.address}:${address.port}`);
  }
});
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => process.exit(0));
