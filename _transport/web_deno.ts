/**
 * Deno's web listener (`Deno.serve`, `Deno.upgradeWebSocket`) behind the
 * web adapter interface. `requestTimeout` is not applied: `Deno.serve` has
 * no deadline for a request's head nor for a connection that sends nothing
 * (denoland/deno#3515, open), so such a peer keeps its connection until it
 * leaves (deploy/haproxy.cfg's web front bounds them). `maxMessageBytes` is
 * not applied either: `Deno.upgradeWebSocket` takes no limit, and reads a
 * message whole up to its own 64 MiB before the owner can refuse it. Deno
 * also checks a text message's UTF-8 itself, and drops the connection
 * without a close frame, before the owner could answer it.
 *
 * @module
 */

import type { WebPeer, WebRuntime } from "./types.ts";
import { webRequest, webResponse } from "./web_request.ts";
import { later } from "./deno.ts";

/** Deno's web adapter. */
export const runtime: WebRuntime = {
  later,
  listenWeb(options, handlers) {
    const { promise, resolve } = Promise.withResolvers<Deno.NetAddr>();
    // Deno's shutdown() closes the WebSockets too (1001), before their
    // owners could say why: it waits until they have closed, and meanwhile
    // new requests are refused.
    let sockets = 0;
    let closing = false;
    const shutdown = () => void server.shutdown();
    const server = Deno.serve({
      hostname: options.hostname,
      port: options.port,
      reusePort: options.reusePort,
      ...options.tls,
      onListen: (addr) => resolve(addr as Deno.NetAddr),
      onError: () => new Response("Internal error\n", { status: 500 }),
    }, (request) => {
      if (closing) return new Response("Shutting down\n", { status: 503 });
      const reply = handlers.request(webRequest(request));
      if (reply !== undefined) return webResponse(reply);
      const { socket, response } = Deno.upgradeWebSocket(request, { idleTimeout: 0 });
      sockets++;
      socket.addEventListener("close", () => {
        if (--sockets === 0 && closing) shutdown();
      }, { once: true });
      socket.addEventListener("open", () => {
        const peer: WebPeer = {
          send: (text) => socket.send(text),
          get bufferedAmount() {
            return socket.bufferedAmount;
          },
          close: (code, reason) => socket.close(code, reason),
          // Deno's WebSocket has no way to drop its connection.
          terminate: (code, reason) => socket.close(code, reason),
        };
        const owner = handlers.open(peer);
        socket.addEventListener("message", (event) => {
          const data = event.data;
          if (typeof data === "string") owner.message(data, false);
          else owner.message(new Uint8Array(data as ArrayBuffer), true);
        });
        socket.addEventListener("close", () => owner.close(), { once: true });
      }, { once: true });
      // Deno reports a failed socket as an error event, then its close.
      socket.addEventListener("error", () => {});
      return response;
    });
    return promise.then((addr) => ({
      hostname: addr.hostname,
      port: addr.port,
      close: () => {
        closing = true;
        if (sockets === 0) shutdown();
      },
    }));
  },
};
