/**
 * Node's web listener (`node:http` or `node:https`, and the `ws` package at
 * the upgrade) behind the web adapter interface. `ws` is loaded here only:
 * Deno and Bun have WebSockets of their own.
 *
 * @module
 */

import { createServer as createHttpServer, type IncomingMessage, STATUS_CODES } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { WebReply, WebRequest, WebRuntime } from "./types.ts";
import { bind } from "./node.ts";

/** The little of a `ws` WebSocket this adapter uses. */
interface RawWebSocket {
  send(text: string): void;
  readonly bufferedAmount: number;
  close(code: number, reason: string): void;
  terminate(): void;
  on(event: "message", listener: (data: Buffer, binary: boolean) => void): void;
  on(event: "error", listener: () => void): void;
  once(event: "close", listener: () => void): void;
}

/** The little of `ws`' server this adapter uses: its upgrade, with no server of its own. */
interface RawWebSocketServer {
  handleUpgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    done: (ws: RawWebSocket) => void,
  ): void;
}

/** What the router reads of a request. */
function webRequest(request: IncomingMessage): WebRequest {
  const headers = request.headers;
  return {
    method: request.method ?? "GET",
    path: new URL(request.url ?? "/", "http://localhost").pathname,
    origin: headers.origin ?? null,
    host: headers.host ?? null,
    upgrade: headers.upgrade?.toLowerCase() === "websocket",
  };
}

/** An answer to an upgrade request that is refused, written on its raw socket. */
function refuse(socket: Duplex, reply: WebReply): void {
  const head = [`HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status] ?? ""}`];
  for (const [name, value] of Object.entries(reply.headers)) head.push(`${name}: ${value}`);
  head.push(`content-length: ${Buffer.byteLength(reply.body)}`, "connection: close", "", "");
  socket.end(head.join("\r\n") + reply.body);
}

/** Node's web adapter. */
export const runtime: WebRuntime = {
  later: (task) => void setImmediate(task),
  listenWeb(options, handlers) {
    const sockets: RawWebSocketServer = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxMessageBytes,
      perMessageDeflate: false,
      // The owner checks a text message's UTF-8, and answers it with a line.
      skipUTF8Validation: true,
    });
    // Node looks at its request deadlines every `connectionsCheckingInterval`
    // (30 s unless told); a connection that sends nothing at all is bounded
    // by its socket's timeout, which `ws` clears once it has upgraded.
    const timeouts = {
      headersTimeout: options.requestTimeout,
      requestTimeout: options.requestTimeout,
      keepAliveTimeout: Math.min(5_000, options.requestTimeout),
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, options.requestTimeout / 4)),
    };
    const server = options.tls
      ? createHttpsServer({ ...timeouts, cert: options.tls.cert, key: options.tls.key })
      : createHttpServer(timeouts);
    server.setTimeout(options.requestTimeout, (socket) => socket.destroy());
    server.on("request", (request, response) => {
      const reply = handlers.request({ ...webRequest(request), upgrade: false });
      const answer = reply ?? { status: 426, headers: { upgrade: "websocket" }, body: "" };
      response.writeHead(answer.status, answer.headers).end(answer.body);
    });
    server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on("error", () => {});
      const reply = handlers.request(webRequest(request));
      if (reply !== undefined) return refuse(socket, reply);
      sockets.handleUpgrade(request, socket, head, (ws) => {
        const owner = handlers.open({
          send: (text) => ws.send(text),
          get bufferedAmount() {
            return ws.bufferedAmount;
          },
          close: (code, reason) => ws.close(code, reason),
          terminate: () => ws.terminate(),
        });
        ws.on("message", (data: Buffer, binary: boolean) => owner.message(data, binary));
        ws.on("error", () => {});
        ws.once("close", () => owner.close());
      });
    });
    return bind(server, options, () => {
      server.close();
      server.closeIdleConnections();
    });
  },
};
