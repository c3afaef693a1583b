/**
 * Node's sockets (`node:net`) behind the adapter interface. Node buffers
 * writes itself: each socket is given the high-water mark, and `write()` and
 * `drain` are Node's own.
 *
 * @module
 */

import { createConnection, createServer, type Socket as NetSocket } from "node:net";
import {
  HIGH_WATER_MARK,
  LISTEN_BACKLOG,
  type Open,
  type Runtime,
  type Socket,
  type SocketHandlers,
} from "./types.ts";
import { onProcessSignal } from "./process_signal.ts";

/**
 * One socket: a class, and listeners shared by every socket (each finds its
 * owner through the socket), so that an idle connection costs one small
 * object here rather than a closure per method and event.
 */
class NodeSocket implements Socket {
  readonly net: NetSocket;
  handlers!: SocketHandlers;
  failure: unknown;

  constructor(net: NetSocket) {
    this.net = net;
  }

  // Node emits `drain` only after a write that returned false: so this must
  // say what Node said, no more.
  write(data: string | Uint8Array): boolean {
    return this.net.write(data);
  }

  pause(): void {
    this.net.pause();
  }

  resume(): void {
    this.net.resume();
  }

  end(): void {
    const net = this.net;
    net.end(() => net.destroy());
  }

  destroy(): void {
    this.net.destroy();
  }
}

const owners = new WeakMap<NetSocket, NodeSocket>();

function onData(this: NetSocket, chunk: Uint8Array): void {
  owners.get(this)!.handlers.data(chunk);
}
function onDrain(this: NetSocket): void {
  owners.get(this)!.handlers.drain();
}
function onEnd(this: NetSocket): void {
  owners.get(this)!.handlers.end();
}
function onError(this: NetSocket, error: Error): void {
  owners.get(this)!.failure = error;
}
function onClose(this: NetSocket): void {
  const socket = owners.get(this)!;
  socket.handlers.close(socket.failure);
}

function wrap(net: NetSocket, open: Open): Socket {
  const socket = new NodeSocket(net);
  owners.set(net, socket);
  socket.handlers = open(socket);
  net.setNoDelay(true);
  net.on("data", onData).on("drain", onDrain).on("end", onEnd).on("error", onError)
    .on("close", onClose);
  return socket;
}

/** Node's adapter. */
export const runtime: Runtime = {
  listen(options, open) {
    const server = createServer({
      allowHalfOpen: true,
      noDelay: true,
      // The sockets' own readable and writable high-water marks (Node's
      // default is 64 KiB), so that `write()` returns false at this one.
      highWaterMark: options.highWaterMark ?? HIGH_WATER_MARK,
    }, (net) => wrap(net, open));
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
            resolve({
              hostname: address.address,
              port: address.port,
              close: () => server.close(),
            });
          } catch (error) {
            server.close();
            reject(error);
          }
        },
      );
    });
  },
  connect(options, open) {
    return new Promise((resolve, reject) => {
      const net = createConnection({
        host: options.hostname,
        port: options.port,
        allowHalfOpen: true,
      });
      net.once("error", reject);
      net.once("connect", () => {
        net.off("error", reject);
        resolve(wrap(net, open));
      });
    });
  },
  onSignal: onProcessSignal,
};
