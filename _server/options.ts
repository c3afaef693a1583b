/**
 * The server's options and the running server's shape, as `server.ts`
 * exports them.
 *
 * @module
 */

import type { Decision } from "../protocol.ts";
import type { StrategyName } from "../_strategy/mod.ts";

/** Settings of a server's games and limits, for {@linkcode serve} and {@linkcode serveConnection}. */
export interface GameServerOptions {
  /**
   * How the server picks its guesses: `random` plays as the reference does;
   * `smart` narrows the candidates with every report and finds any number of
   * a range of N within W + 1 guesses (the largest W with 2^W <= 3N).
   *
   * @default {"random"}
   */
  strategy?: StrategyName;
  /**
   * A source of numbers in [0, 1), for the guesses.
   *
   * @default {Math.random}
   */
  random?: () => number;
  /**
   * No `Server: N is Decision` line for each report.
   *
   * @default {false}
   */
  quiet?: boolean;
  /**
   * Where the server's lines for people go. The default loses a line that
   * `console.log` throws on, never a game. (On Node, a standard output whose
   * reader went away is not a throw but an `error` event on `process.stdout`,
   * which ends the process unless the program listens for it.)
   *
   * @default {console.log}
   */
  log?: (line: string) => void;
  /**
   * Called for each report in place of the `Server: N is Decision` line, to
   * show reports another way (another language, a tally). Not called when
   * `quiet` is set.
   */
  onReport?: (guess: bigint, decision: Decision) => void;
  /**
   * Told of a fault of the server's own while it handled a line, such as a
   * bug in a strategy. That connection is sent `ERROR internal` and closed;
   * every other game plays on.
   *
   * @default {one line on `console.error`}
   */
  onError?: (error: unknown) => void;
  /**
   * The most bytes a line may have, its terminator not counted. A longer line
   * is answered with `ERROR line-too-long` and the connection closed.
   *
   * @default {4096}
   */
  maxLineBytes?: number;
}

/** Options of {@linkcode serve}. */
export interface ServeOptions extends GameServerOptions {
  /**
   * The address to listen on.
   *
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * The port to listen on; 0 picks a free one (read it back from `addr`).
   *
   * @default {4321}
   */
  port?: number;
  /**
   * The most connections open at once. One more is answered with
   * `ERROR busy` and closed.
   *
   * @default {10000}
   */
  maxConnections?: number;
  /**
   * Milliseconds a connection may stay silent before it is sent
   * `ERROR idle` and closed; 0 for never. At most 2^31 - 1 (24.8 days).
   *
   * @default {300000}
   */
  idleTimeout?: number;
  /**
   * Milliseconds `close()` waits for connections to finish before cutting
   * them. At most 2^31 - 1 (24.8 days).
   *
   * @default {5000}
   */
  shutdownTimeout?: number;
  /** Closes the server when aborted. */
  signal?: AbortSignal;
  /**
   * Bytes of replies that may wait to be written to a peer that does not read
   * them before the server stops reading from that peer, until they drain.
   * At most one line's reply more may wait beyond it: the one that reached
   * the limit. (What the kernel's buffers hold is not counted: see
   * PROTOCOL.md's limits for a peer that pipelines without reading.)
   *
   * @default {65536}
   */
  maxPendingBytes?: number;
  /**
   * Lets several processes listen on the same port, the kernel spreading
   * connections among them (Linux `SO_REUSEPORT`).
   *
   * @default {false}
   */
  reusePort?: boolean;
  /**
   * Speak TLS on the port, and only TLS, with this certificate. A
   * connection counts (towards `maxConnections`) from its TCP accept.
   */
  tls?: TlsServerOptions;
  /**
   * With `tls`: milliseconds a connection's handshake may take before it is
   * closed; 0 for no limit. At most 2^31 - 1 (24.8 days).
   *
   * @default {10000}
   */
  handshakeTimeout?: number;
  /**
   * Also listen for browsers: the page, and the protocol over WebSocket.
   * WebSocket connections count towards `maxConnections` and the idle limit
   * as TCP ones do. An HTTP request whose head has not arrived within
   * `handshakeTimeout` (or 10 s where it is 0) is closed.
   */
  web?: WebOptions;
}

/**
 * A server's web port: an HTTP listener beside the TCP one, on the same
 * hostname, with the same games, options and limits. `GET /` serves the
 * page a person plays in; `GET /ws` upgrades to a WebSocket whose text
 * messages are the protocol's lines, one a message (PROTOCOL.md). With
 * `tls`, it speaks https and wss only.
 */
export interface WebOptions {
  /**
   * The port; 0 picks a free one (read it back from `web` on the server).
   *
   * @default {8080}
   */
  port?: number;
  /**
   * Origins (`https://example.com`) besides the page's own whose pages may
   * open the WebSocket. A browser's request from any other origin is refused
   * with 403; a request with no `Origin` (a program's) is allowed.
   *
   * @default {[]}
   */
  origins?: readonly string[];
}

/** The certificate a TLS server presents. */
export interface TlsServerOptions {
  /** The certificate chain, PEM text (the server's certificate first). */
  cert: string;
  /** The certificate's private key, PEM text. */
  key: string;
}

/** A listening server. */
export interface Server extends AsyncDisposable {
  /** The address it listens on, with the real port when 0 was asked for. */
  readonly addr: { readonly hostname: string; readonly port: number };
  /** Settles when the server has stopped and every connection is closed. */
  readonly finished: Promise<void>;
  /** The web port's address, when `web` was asked for. */
  readonly web: { readonly hostname: string; readonly port: number } | undefined;
  /** How many connections are open, WebSocket ones included. */
  readonly connections: number;
  /**
   * Stops accepting, answers what was already received, sends each open
   * connection `ERROR shutting-down`, and closes them; connections still open
   * after `shutdownTimeout` are cut. A second call returns the same promise.
   */
  close(): Promise<void>;
}
