/**
 * The runtime's floor: a minimal warmer-colder server on the runtime's own
 * sockets (`Deno.listen`, `Bun.listen`, or `node:net` on Node), written as
 * lightly as possible, for the benchmark only. It shows what the runtime itself
 * allows on this machine, so that our server is compared with the most any
 * server on that runtime could do. Bytes are parsed in place, numbers are plain
 * `number`s, replies to one read go out in one write, and checks are minimal.
 * It listens with a backlog of 4096, so that a burst of connections is not left
 * to the kernel's SYN retries (Bun ignores `backlog`: its queue stays at 512).
 * Not the project's server.
 *
 * With `--tls-cert FILE --tls-key FILE` it is the runtime's TLS floor, made the
 * same way on the runtime's own TLS: `Deno.listenTls`, the `tls` option of
 * `Bun.listen`, `node:tls`. `--node-api` takes `node:net` (or `node:tls`) on
 * any runtime: on Deno, the API our server's TLS listener uses.
 *
 * Usage: deno run -A bench/bare_server.ts | bun bench/bare_server.ts |
 *   node bench/bare_server.ts, with [--port 0] [--host 127.0.0.1]
 *   [--tls-cert FILE --tls-key FILE] [--node-api].
 * Prints `Listening on HOST:PORT`; stops on SIGTERM or SIGINT.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import process from "node:process";
import { createServer as createTlsServer } from "node:tls";
import { parseArgs } from "node:util";
import { RUNTIME } from "../_transport/detect.ts";
import type { TlsServerOptions as Tls } from "../server.ts";

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
    // "PARAMS lower upper", read from the bytes: no decoding, no strings.
    const line = this.line;
    let i = 7;
    const read = () => {
      const negative = line[i] === 45; // "-"
      if (negative) i++;
      let value = 0;
      while (i < n && line[i] >= 48 && line[i] <= 57) value = value * 10 + line[i++] - 48;
      i++; // the space after it
      return negative ? -value : value;
    };
    this.lower = read();
    this.upper = read();
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

/** Feeds one read to the session; returns the replies, or "" for none. */
function answer(session: Session, chunk: Uint8Array): string {
  let out = "";
  for (let i = 0; i < chunk.length; i++) {
    const b = chunk[i];
    if (b === LF) out += session.command();
    else if (session.length < MAX_LINE) session.line[session.length++] = b;
  }
  return out;
}

/** Listens with the runtime's own sockets (TLS with `tls`); resolves to the bound port. */
function listen(host: string, port: number, tls?: Tls, nodeApi = false): Promise<number> {
  if (nodeApi) return listenNode(host, port, tls);
  if (RUNTIME === "bun") return listenBun(host, port, tls);
  if (RUNTIME === "deno") return listenDeno(host, port, tls);
  return listenNode(host, port, tls);
}

function listenDeno(hostname: string, port: number, tls?: Tls): Promise<number> {
  const listener = tls
    ? Deno.listenTls({ hostname, port, tcpBacklog: 4096, ...tls })
    : Deno.listen({ hostname, port, tcpBacklog: 4096 });
  const encoder = new TextEncoder();
  const serve = async (conn: Deno.Conn) => {
    // Deno's TLS connections have no setNoDelay; one write a round trip never waits on Nagle.
    (conn as Partial<Deno.TcpConn>).setNoDelay?.(true);
    const session = new Session();
    // As small as our server's first read buffer, so that idle connections
    // cost what the runtime makes them cost; a round trip's write is far smaller.
    const buffer = new Uint8Array(512);
    try {
      for (let n; (n = await conn.read(buffer)) !== null;) {
        const out = answer(session, buffer.subarray(0, n));
        if (out !== "") await conn.write(encoder.encode(out));
      }
    } catch { /* reset by the peer */ }
    try {
      conn.close();
    } catch { /* already closed */ }
  };
  (async () => {
    for await (const conn of listener) serve(conn);
  })();
  return Promise.resolve(listener.addr.port);
}

function listenBun(hostname: string, port: number, tls?: Tls): Promise<number> {
  // deno-lint-ignore no-explicit-any
  const Bun = (globalThis as any).Bun;
  // No backlog: Bun 1.4.5 ignores `backlog` in Bun.listen and listens with 512.
  const server = Bun.listen({
    hostname,
    port,
    ...(tls ? { tls } : {}),
    socket: {
      // deno-lint-ignore no-explicit-any
      open(socket: any) {
        socket.setNoDelay?.(true);
        socket.data = new Session();
      },
      // deno-lint-ignore no-explicit-any
      data(socket: any, chunk: Uint8Array) {
        const out = answer(socket.data, chunk);
        // Bun's write takes what the socket takes; a reply of a few bytes, with
        // one request in flight per connection, is always taken whole.
        if (out !== "") socket.write(out);
      },
    },
  });
  return Promise.resolve(server.port);
}

function listenNode(host: string, port: number, tls?: Tls): Promise<number> {
  const serve = (socket: Socket) => {
    socket.setNoDelay(true);
    const session = new Session();
    socket.on("data", (chunk: Uint8Array) => {
      const out = answer(session, chunk);
      if (out !== "") socket.write(out);
    });
    socket.on("error", () => socket.destroy());
  };
  const server = tls ? createTlsServer(tls, serve) : createServer(serve);
  // A handshake that fails (a peer gone mid-way) must not end the floor.
  server.on("tlsClientError", (_error: Error, socket: Socket) => socket.destroy());
  return new Promise((resolve) => {
    server.listen({ host, port, backlog: 4096 }, () => {
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : port);
    });
  });
}

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "0" },
    quiet: { type: "boolean", default: false },
    "tls-cert": { type: "string" },
    "tls-key": { type: "string" },
    "node-api": { type: "boolean", default: false },
  },
});
const [certFile, keyFile] = [values["tls-cert"], values["tls-key"]];
if (!certFile !== !keyFile) throw new Error("--tls-cert and --tls-key go together");
const tls = certFile && keyFile
  ? { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") }
  : undefined;
const bound = await listen(values.host, Number(values.port), tls, values["node-api"]);
console.log(`Listening on ${values.host}:${bound}`);
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => process.exit(0));
