/**
 * Bun's web listener (`Bun.serve` with `websocket`) behind the web adapter
 * interface.
 *
 * @module
 */

import type { MessageHandlers, WebRuntime } from "./types.ts";
import { webRequest, webResponse } from "./web_request.ts";

/** The little of Bun's server WebSocket this adapter uses. */
interface RawWebSocket {
  data: MessageHandlers;
  send(text: string): number;
  getBufferedAmount(): number;
  close(code: number, reason: string): void;
  terminate(): void;
}

interface BunServer {
  upgrade(request: Request, options: { data: undefined }): boolean;
  readonly hostname: string;
  readonly port: number;
  stop(closeActive?: boolean): void;
}

interface BunApi {
  serve(options: {
    hostname: string;
    port: number;
    reusePort?: boolean;
    tls?: { cert: string; key: string };
    idleTimeout: number;
    fetch(request: Request, server: BunServer): Response | undefined;
    websocket: {
      maxPayloadLength: number;
      idleTimeout: number;
      backpressureLimit: number;
      closeOnBackpressureLimit: boolean;
      perMessageDeflate: boolean;
      open(ws: RawWebSocket): void;
      message(ws: RawWebSocket, message: string | Uint8Array): void;
      close(ws: RawWebSocket): void;
    };
  }): BunServer;
}

const Bun = (globalThis as unknown as { Bun: BunApi }).Bun;

/** Bun's web adapter. */
export const runtime: WebRuntime = {
  later: (task) => void setImmediate(task),
  listenWeb(options, handlers) {
    const server = Bun.serve({
      hostname: options.hostname,
      port: options.port,
      reusePort: options.reusePort,
      tls: options.tls && { cert: options.tls.cert, key: options.tls.key },
      // Seconds a connection may be idle, its request's head included; at most 255.
      idleTimeout: Math.min(255, Math.max(1, Math.ceil(options.requestTimeout / 1000))),
      fetch(request, server) {
        const reply = handlers.request(webRequest(request));
        if (reply !== undefined) return webResponse(reply);
        if (server.upgrade(request, { data: undefined })) return undefined;
        return new Response("Cannot upgrade\n", { status: 400 });
      },
      websocket: {
        maxPayloadLength: options.maxMessageBytes,
        // The game's idle limit is the server's own; it counts WebSockets too.
        idleTimeout: 0,
        // Unread replies are bounded by the socket's owner (MessageSocket).
        backpressureLimit: 2 ** 31 - 1,
        closeOnBackpressureLimit: false,
        perMessageDeflate: false,
        open(ws) {
          // Bun tells of a close made inside open() at once, before its owner is known.
          let closedEarly = false;
          ws.data = { message() {}, close: () => closedEarly = true };
          const owner = handlers.open({
            send: (text) => void ws.send(text),
            get bufferedAmount() {
              return ws.getBufferedAmount();
            },
            close: (code, reason) => ws.close(code, reason),
            terminate: () => ws.terminate(),
          });
          ws.data = owner;
          if (closedEarly) owner.close();
        },
        message(ws, message) {
          ws.data.message(message, typeof message !== "string");
        },
        close(ws) {
          ws.data.close();
        },
      },
    });
    return Promise.resolve({
      hostname: server.hostname,
      port: server.port,
      close: () => server.stop(false),
    });
  },
};
