/**
 * Node's sockets (`node:net`) behind the adapter interface. Node buffers
 * writes itself and reports the high-water mark through `write()`.
 *
 * @module
 */

import { createConnection, createServer, type Socket as NetSocket } from "node:net";
import { HIGH_WATER_MARK, type Open, type Runtime, type Socket } from "./types.ts";
import { onProcessSignal } from "./process_signal.ts";

function wrap(net: NetSocket, open: Open, highWaterMark: number): Socket {
  const socket: Socket = {
    write: (data) => net.write(data) && net.writableLength < highWaterMark,
    pause: () => net.pause(),
    resume: () => net.resume(),
    end: () => net.end(() => net.destroy()),
    destroy: () => net.destroy(),
  };
  const handlers = open(socket);
  let failure: unknown;
  net.setNoDelay(true);
  net.on("data", (chunk: Uint8Array) => handlers.data(chunk));
  net.on("drain", () => handlers.drain());
  net.on("end", () => handlers.end());
  net.on("error", (error) => failure = error);
  net.on("close", () => handlers.close(failure));
  return socket;
}

/** Node's adapter. */
export const runtime: Runtime = {
  listen(options, open) {
    const server = createServer(
      { allowHalfOpen: true, noDelay: true },
      (net) => wrap(net, open, options.highWaterMark ?? HIGH_WATER_MARK),
    );
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(
        { host: options.hostname, port: options.port, reusePort: options.reusePort },
        () => {
          server.off("error", reject);
          const address = server.address();
          if (address === null || typeof address === "string") {
            throw new TypeError("Not a TCP address");
          }
          resolve({ hostname: address.address, port: address.port, close: () => server.close() });
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
        resolve(wrap(net, open, HIGH_WATER_MARK));
      });
    });
  },
  onSignal: onProcessSignal,
};
