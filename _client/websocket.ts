/**
 * A WebSocket as the byte stream pair a `Client` reads and writes:
 * each text message is a line, so the readable side gives each message with
 * its `\n`, and the writable side sends each whole line written as one
 * message, without its terminator. Only the web's `WebSocket` is used: it
 * loads in a browser, and in Deno, Bun and Node, which all have it.
 *
 * @module
 */

import type { Duplex } from "../_transport/streams.ts";

/** Why a WebSocket's readable side ended in error. */
function closedError(event: CloseEvent): Error {
  const reason = event.reason === "" ? "" : `: ${event.reason}`;
  return new Error(`The WebSocket closed with code ${event.code}${reason}`);
}

/**
 * Wraps an open or opening WebSocket whose text messages are protocol lines
 * (a server's `/ws`, as `serve({ web })` gives it), as the pair of streams
 * a `Client` takes. Writes wait for the socket to open. A binary
 * message, or a close other than a normal one (1000, 1001 or 1005), errors
 * the readable side; a normal close ends it.
 *
 * A round trip is two messages (a `REPORT`, then the next `NUMBER`), sent
 * at once: browsers, Node and Bun send them at once too, but Deno's
 * WebSocket client leaves Nagle's algorithm on, so there the second waits
 * for the server's delayed acknowledgement, about 40 ms a round trip. Play
 * from Deno with `connect()` over TCP.
 *
 * @param socket The WebSocket, as `new WebSocket(url)` returned it.
 * @returns Its lines as a byte stream pair.
 *
 * @example A game over a server's WebSocket
 * ```ts
 * import { Client, webSocketStreams } from "@warmer-colder/warmer-colder/client";
 * import { serve } from "@warmer-colder/warmer-colder/server";
 * import assert from "node:assert/strict";
 *
 * await using server = await serve({ port: 0, web: { port: 0 }, quiet: true });
 * const url = `ws://127.0.0.1:${server.web!.port}/ws`;
 * await using client = new Client(webSocketStreams(new WebSocket(url)));
 * await using game = await client.session(1, 3, 2);
 * let last = "";
 * for await (const n of game.requestNumbers(3)) last = await game.reportOutcome(n);
 * assert.equal(last, "Correct");
 * ```
 */
export function webSocketStreams(socket: WebSocket): Duplex {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const opened = new Promise<void>((resolve, reject) => {
    if (socket.readyState === WebSocket.OPEN) return resolve();
    socket.addEventListener("open", () => resolve(), { once: true });
    socket.addEventListener("close", (event) => reject(closedError(event)), { once: true });
  });
  opened.catch(() => {});
  let partial = "";
  /** The readable side has ended: what comes after is dropped. */
  let ended = false;
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      socket.addEventListener("message", (event) => {
        if (ended) return;
        if (typeof event.data !== "string") {
          ended = true;
          controller.error(new Error("The server sent a binary WebSocket message"));
          socket.close(1003, "binary");
          return;
        }
        controller.enqueue(encoder.encode(event.data + "\n"));
      });
      socket.addEventListener("close", (event) => {
        if (ended) return;
        ended = true;
        if (event.code === 1000 || event.code === 1001 || event.code === 1005) controller.close();
        else controller.error(closedError(event));
      });
    },
    cancel() {
      ended = true;
      socket.close(1000);
    },
  });
  const writable = new WritableStream<Uint8Array>({
    async write(chunk) {
      await opened;
      const text = partial + decoder.decode(chunk, { stream: true });
      const lines = text.split("\n");
      partial = lines.pop()!;
      for (const line of lines) socket.send(line.endsWith("\r") ? line.slice(0, -1) : line);
    },
    close() {
      if (socket.readyState !== WebSocket.CLOSED) socket.close(1000);
    },
    abort() {
      if (socket.readyState !== WebSocket.CLOSED) socket.close(1000);
    },
  });
  return { readable, writable };
}
