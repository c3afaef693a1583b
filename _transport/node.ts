/**
 * Node's sockets (`node:net`) behind the adapter interface. Node buffers
 * writes itself: each socket is given the high-water mark, and `write()` and
 * `drain` are Node's own. Node reads up to 64 KiB at once: what the owner
 * does not take waits for its next turn (turns.ts).
 *
 * @module
 */

import {
  createConnection,
  createServer,
  isIP,
  type Server as NetServer,
  type Socket as NetSocket,
} from "node:net";
import {
  checkServerIdentity,
  connect as tlsConnect,
  createSecureContext,
  TLSSocket,
} from "node:tls";
import {
  HIGH_WATER_MARK,
  LISTEN_BACKLOG,
  type Listener,
  type Open,
  type Runtime,
  type Socket,
  type SocketHandlers,
} from "./types.ts";
import { onProcessSignal } from "./process_signal.ts";
import { deliver, ended, type Paced, resumed, Turns } from "./turns.ts";
import { handshakeDeadline, handshaken } from "./tls.ts";

/**
 * One socket: a class, and listeners shared by every socket (each finds its
 * owner through the socket), so that an idle connection costs one small
 * object here rather than a closure per method and event.
 */
class NodeSocket implements Socket, Paced {
  readonly net: NetSocket;
  handlers!: SocketHandlers;
  failure: unknown;
  paused = false;
  held: Uint8Array | undefined;
  heldEnd = false;
  readonly turns: Turns;

  constructor(net: NetSocket, turns: Turns) {
    this.net = net;
    this.turns = turns;
  }

  // Node emits `drain` only after a write that returned false: so this must
  // say what Node said, no more.
  write(data: string | Uint8Array): boolean {
    return this.net.write(data);
  }

  get room(): number {
    const net = this.net;
    if (net.writableNeedDrain || !net.writable) return 0;
    return Math.max(0, net.writableHighWaterMark - net.writableLength);
  }

  readOn(): void {
    this.net.resume();
  }

  pause(): void {
    this.paused = true;
    this.net.pause();
  }

  resume(): void {
    this.paused = false;
    if (resumed(this)) this.net.resume();
  }

  end(): void {
    const net = this.net;
    // Nothing more is read from a peer being closed: a flooding peer's
    // bytes would only be read to be dropped.
    net.pause();
    net.end(() => net.destroy());
  }

  destroy(): void {
    this.net.destroy();
  }
}

const owners = new WeakMap<NetSocket, NodeSocket>();

// A chunk of Node's `data` is the socket's to keep; the shared buffer is not.
function onData(this: NetSocket, chunk: Uint8Array): void {
  if (!deliver(owners.get(this)!, chunk, chunk.length, false)) this.pause();
}
function onDrain(this: NetSocket): void {
  owners.get(this)!.handlers.drain();
}
function onEnd(this: NetSocket): void {
  ended(owners.get(this)!);
}
function onError(this: NetSocket, error: Error): void {
  owners.get(this)!.failure = error;
}
function onClose(this: NetSocket): void {
  const socket = owners.get(this)!;
  socket.held = undefined;
  socket.handlers.close(socket.failure);
}

/**
 * The one buffer every socket reads into, accepted or connected. Without it each read is a
 * fresh 64 KiB `ArrayBuffer`, garbage once handled, that V8 frees only after
 * external memory has grown by tens of MB: 300 peers flooding at once grew
 * the server's RSS by 36-53 MiB, against 2 MiB with it. Sharing it is safe:
 * reads are delivered one at a time, `data` may use a chunk only during the
 * call, and what turns.ts holds of a read it copies. And a paused socket
 * stops reading at once, where a stream reads one more chunk into its buffer
 * first.
 */
const READ_BUFFER = new Uint8Array(64 * 1024);

// Pauses itself: `true`, as Node's `onread` wants it, is never Node's pause.
function onRead(this: NetSocket, length: number, buffer: Uint8Array): boolean {
  if (!deliver(owners.get(this)!, buffer, length, true)) this.pause();
  return true;
}

/** Node's own fields behind `onread` (`lib/net.js`), found once; `null` if absent. */
let onreadFields: { buffer: symbol; callback: symbol } | null | undefined;

/**
 * Gives an accepted socket what `new Socket({ onread })` gives a socket of
 * one's own: `createServer` takes no `onread`. It sets Node's own fields
 * (Node 24: `kBuffer`, `kBufferCb`, and the handle's `useUserBuffer`), found
 * by feature test; where they are not found the socket emits `data` as
 * before. tests/memory_test.ts holds the bound this keeps.
 */
function readIntoSharedBuffer(net: NetSocket): void {
  if (onreadFields === undefined) {
    const symbols = Object.getOwnPropertySymbols(net);
    const buffer = symbols.find((symbol) => symbol.description === "kBuffer");
    const callback = symbols.find((symbol) => symbol.description === "kBufferCb");
    onreadFields = buffer && callback ? { buffer, callback } : null;
  }
  const fields = net as unknown as Record<symbol, unknown>;
  const handle = (net as unknown as { _handle?: { useUserBuffer?(buffer: Uint8Array): void } })
    ._handle;
  if (
    onreadFields === null || fields[onreadFields.buffer] !== null ||
    typeof handle?.useUserBuffer !== "function"
  ) return;
  fields[onreadFields.buffer] = READ_BUFFER;
  fields[onreadFields.callback] = onRead;
  handle.useUserBuffer(READ_BUFFER);
}

function wrap(net: NetSocket, open: Open, turns: Turns): Socket {
  const socket = new NodeSocket(net, turns);
  owners.set(net, socket);
  socket.handlers = open(socket);
  net.setNoDelay(true);
  net.on("data", onData).on("drain", onDrain).on("end", onEnd).on("error", onError)
    .on("close", onClose);
  return socket;
}

/**
 * Binds `server` (a `node:net` one, or `node:http`'s, which is one) where
 * `options` say, with the project's backlog; resolves with its listener,
 * whose `close` is `close`.
 */
export function bind(
  server: NetServer,
  options: { readonly hostname: string; readonly port: number; readonly reusePort?: boolean },
  close: () => void,
): Promise<Listener> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(
      {
        host: options.hostname,
        port: options.port,
        reusePort: options.reusePort,
        backlog: LISTEN_BACKLOG,
      },
      () => {
        server.off("error", reject);
        // Inside Node's callback a throw would be an uncaught exception:
        // a failure here rejects, and lets go of the port.
        try {
          const address = server.address();
          if (address === null || typeof address === "string") {
            throw new TypeError("Cannot listen: the bound address is not a TCP address");
          }
          resolve({ hostname: address.address, port: address.port, close });
        } catch (error) {
          server.close();
          reject(error);
        }
      },
    );
  });
}

/** Node's adapter. */
export const runtime: Runtime = {
  listen(options, open) {
    // Turns come after Node has polled its sockets (`setImmediate`).
    const turns = new Turns(setImmediate);
    const tls = options.tls;
    // A TLS socket is opened at its TCP accept, so that it counts (towards
    // `maxConnections`, the idle sweep) while it shakes hands.
    const context = tls && createSecureContext({ cert: tls.cert, key: tls.key });
    const server = createServer({
      allowHalfOpen: true,
      noDelay: true,
      // The sockets' own readable and writable high-water marks (Node's
      // default is 64 KiB), so that `write()` returns false at this one.
      highWaterMark: options.highWaterMark ?? HIGH_WATER_MARK,
    }, (net) => {
      if (!tls) {
        readIntoSharedBuffer(net);
        wrap(net, open, turns);
        return;
      }
      const secure = new TLSSocket(net, { isServer: true, secureContext: context });
      // TLSWrap is a stream handle too: its clear text goes into the shared buffer.
      readIntoSharedBuffer(secure);
      const done = handshakeDeadline(tls.handshakeTimeout, () => secure.destroy());
      secure.once("secure", done).once("close", done);
      wrap(secure, open, turns);
    });
    return bind(server, options, () => server.close());
  },
  connect(options, open) {
    const tls = options.tls;
    if (tls) {
      const name = tls.serverName;
      const secure = tlsConnect({
        host: options.hostname,
        port: options.port,
        ca: tls.ca,
        // SNI takes host names only; an address is checked all the same.
        servername: isIP(name) ? undefined : name,
        checkServerIdentity: (_, cert) => checkServerIdentity(name, cert),
      });
      const shaken = new Promise<Socket>((resolve, reject) => {
        secure.once("error", reject);
        secure.once("close", () => reject(new Error("closed in the TLS handshake")));
        secure.once("secureConnect", () => {
          secure.off("error", reject);
          resolve(wrap(secure, open, new Turns(setImmediate)));
        });
      });
      return handshaken(shaken, tls.handshakeTimeout, () => secure.destroy());
    }
    return new Promise((resolve, reject) => {
      const net = createConnection({
        host: options.hostname,
        port: options.port,
        allowHalfOpen: true,
        // A connection of one's own takes `onread` (the accepted ones get
        // it from readIntoSharedBuffer): no new buffer a read.
        onread: { buffer: READ_BUFFER, callback: onRead },
      });
      net.once("error", reject);
      net.once("connect", () => {
        net.off("error", reject);
        resolve(wrap(net, open, new Turns(setImmediate)));
      });
    });
  },
  onSignal: onProcessSignal,
};
