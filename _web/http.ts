/**
 * The web port's requests, runtime-neutral: `GET /` and the page's files,
 * `GET /ws` upgraded to a WebSocket when its `Origin` may, and a plain
 * answer for anything else. Each runtime's listener (_transport/web_*.ts)
 * asks this for every request.
 *
 * @module
 */

import type { WebReply, WebRequest } from "../_transport/types.ts";

/** A file the server serves: its content type and its text. */
export interface Asset {
  /** The `Content-Type`, in full. */
  readonly type: string;
  /** The file's text. */
  readonly body: string;
}

/** The path that upgrades to the protocol over WebSocket. */
export const WS_PATH = "/ws";

/** Headers on every answer: the page and what it loads come from this server alone. */
const HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

function plain(status: number, text: string, head: boolean, extra = {}): WebReply {
  return {
    status,
    headers: { ...HEADERS, "content-type": "text/plain; charset=utf-8", ...extra },
    body: head ? "" : text + "\n",
  };
}

/** An origin as browsers send it, compared without case or a trailing slash. */
function normal(origin: string): string {
  return origin.trim().toLowerCase().replace(/\/+$/, "");
}

/**
 * Makes the web port's router.
 *
 * @param assets The files to serve, by path.
 * @param origins Origins, besides the page's own, whose pages may open the WebSocket.
 * @param secure Whether the port speaks https (the page's own origin is then `https://`).
 * @returns What to answer to a request, or `undefined` to upgrade it.
 */
export function router(
  assets: Readonly<Record<string, Asset>>,
  origins: readonly string[],
  secure: boolean,
): (request: WebRequest) => WebReply | undefined {
  const allowed = new Set(origins.map(normal));
  const scheme = secure ? "https://" : "http://";
  return (request) => {
    const head = request.method === "HEAD";
    if (request.path === WS_PATH) {
      if (request.method !== "GET") return plain(405, "Method not allowed", head, { allow: "GET" });
      if (!request.upgrade) {
        return plain(426, "Upgrade to a WebSocket here", head, { upgrade: "websocket" });
      }
      // A browser always sends its page's origin; a program may send none,
      // and may then connect, as it could over TCP.
      const origin = request.origin;
      if (origin !== null) {
        const own = request.host !== null && normal(origin) === normal(scheme + request.host);
        if (!own && !allowed.has(normal(origin))) {
          return plain(403, `Origin ${origin} may not open a game here`, head);
        }
      }
      return undefined;
    }
    const asset = Object.hasOwn(assets, request.path) ? assets[request.path] : undefined;
    if (asset === undefined) return plain(404, "Not found", head);
    if (request.method !== "GET" && !head) {
      return plain(405, "Method not allowed", head, { allow: "GET, HEAD" });
    }
    return {
      status: 200,
      headers: { ...HEADERS, "content-type": asset.type },
      body: head ? "" : asset.body,
    };
  };
}
