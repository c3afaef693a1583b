/**
 * What the web adapters built on the web's `Request` and `Response` (Deno's
 * and Bun's) share: a request as the router reads it, and its reply as a
 * `Response`.
 *
 * @module
 */

import type { WebReply, WebRequest } from "./types.ts";

/** What the router reads of a request. */
export function webRequest(request: Request): WebRequest {
  const headers = request.headers;
  return {
    method: request.method,
    path: new URL(request.url).pathname,
    origin: headers.get("origin"),
    host: headers.get("host"),
    upgrade: headers.get("upgrade")?.toLowerCase() === "websocket",
  };
}

/** The router's reply as a `Response`. */
export function webResponse(reply: WebReply): Response {
  return new Response(reply.body === "" ? null : reply.body, reply);
}
