/**
 * The one interface every runtime adapter implements: a push-style TCP
 * socket. The server's connection logic and the client's streams are built
 * on it and never learn which runtime is underneath.
 *
 * @module
 */

/** One TCP connection, as the adapter exposes it. */
export interface Socket {
  /**
   * Queues bytes or text (sent as UTF-8). Returns `false` once more than the
   * adapter's high-water mark waits to be written; `drain` follows when it
   * has all been written.
   */
  write(data: string | Uint8Array): boolean;
  /**
   * Bytes that `write` may still be given before it returns `false`: the
   * high-water mark less what waits unwritten; 0 once it has returned `false`
   * and `drain` has not followed.
   */
  readonly room: number;
  /**
   * Stops delivering `data` until `resume`. Called during `data`, it acts
   * once that call returns: what the owner did not take waits for `resume`.
   */
  pause(): void;
  /** Delivers `data` again. */
  resume(): void;
  /** Sends what is queued, then closes. */
  end(): void;
  /** Closes now, dropping what is queued. */
  destroy(): void;
}

/** What the socket's owner is told. */
export interface SocketHandlers {
  /**
   * Bytes arrived: the first `length` of `bytes`, valid only during the call
   * (a length, not a view of its own: a read into a reused buffer then makes
   * no object). Returns how many it took, if not all: the socket holds the
   * rest and hands it on at the socket's next turn, after the other sockets'
   * (turns.ts), or after `resume()` if the owner paused.
   */
  data(bytes: Uint8Array, length: number): number | void;
  /** Everything queued has been written, after a `write` that returned `false`. */
  drain(): void;
  /** The peer will send nothing more. The socket stays open for writing. */
  end(): void;
  /** The socket is closed: called once, last, with the error if one closed it. */
  close(error?: unknown): void;
}

/** Attaches an owner to a new socket. */
export type Open = (socket: Socket) => SocketHandlers;

/** Where to listen. */
export interface ListenOptions {
  /** The address to bind. */
  readonly hostname: string;
  /** The port; 0 picks a free one. */
  readonly port: number;
  /** Lets several processes bind the same port (Linux `SO_REUSEPORT`). */
  readonly reusePort?: boolean;
  /** Bytes queued for a socket before its `write` returns `false`; {@linkcode HIGH_WATER_MARK} if left out. */
  readonly highWaterMark?: number;
  /** Speak TLS only: every socket is opened at its TCP accept, before its handshake. */
  readonly tls?: TlsListenOptions;
}

/** A TLS listener's certificate, and how long a handshake may take. */
export interface TlsListenOptions {
  /** The certificate chain, PEM text. */
  readonly cert: string;
  /** Its private key, PEM text. */
  readonly key: string;
  /** Milliseconds a handshake may take before its socket is destroyed; 0 for no limit. */
  readonly handshakeTimeout: number;
}

/** What a TLS client trusts, and the name it checks. */
export interface TlsConnectOptions {
  /** The CA to verify against, PEM text; the runtime's trusted roots if left out. */
  readonly ca?: string;
  /** The name the certificate must hold (also sent as SNI where it is a host name). */
  readonly serverName: string;
  /** Milliseconds the handshake may take; 0 for no limit. */
  readonly handshakeTimeout: number;
}

/** A bound, accepting listener. */
export interface Listener {
  /** The bound address. */
  readonly hostname: string;
  /** The bound port. */
  readonly port: number;
  /** Stops accepting; open sockets stay open. */
  close(): void;
}

/** Where to connect. */
export interface ConnectOptions {
  /** The server's host name or address. */
  readonly hostname: string;
  /** The server's port. */
  readonly port: number;
  /**
   * Speak TLS: the connection is made only once its handshake has finished
   * and the server's certificate has been verified. The runtime's own error
   * rejects when it does not verify (tls.ts reads it).
   */
  readonly tls?: TlsConnectOptions;
}

/** A runtime's sockets. */
export interface Runtime {
  /** Binds and accepts; `open` is called for every new connection. */
  listen(options: ListenOptions, open: Open): Promise<Listener>;
  /** Connects; rejects when the connection cannot be made. */
  connect(options: ConnectOptions, open: Open): Promise<Socket>;
  /** Calls `listener` on SIGINT or SIGTERM; returns a function that stops listening. */
  onSignal(listener: () => void): () => void;
}

/** Where and how a web listener (HTTP, and WebSocket at its upgrade) listens. */
export interface WebListenOptions {
  /** The address to bind. */
  readonly hostname: string;
  /** The port; 0 picks a free one. */
  readonly port: number;
  /** Lets several processes bind the same port (Linux `SO_REUSEPORT`). */
  readonly reusePort?: boolean;
  /** Speak https and wss only, with this certificate and key (PEM text). */
  readonly tls?: { readonly cert: string; readonly key: string };
  /**
   * Milliseconds a request's head may take to arrive, and (where the
   * runtime bounds it) a connection may wait idle between requests.
   */
  readonly requestTimeout: number;
  /** The largest WebSocket message the runtime reads; a larger one closes with 1009. */
  readonly maxMessageBytes: number;
}

/** An HTTP request, as the runtime-neutral router reads it. */
export interface WebRequest {
  /** `GET`, `HEAD`, ... */
  readonly method: string;
  /** The URL's path, without its query. */
  readonly path: string;
  /** The `Origin` header, if any. */
  readonly origin: string | null;
  /** The `Host` header, if any. */
  readonly host: string | null;
  /** Whether it asks to upgrade to a WebSocket. */
  readonly upgrade: boolean;
}

/** An HTTP response, whole. */
export interface WebReply {
  /** The status code. */
  readonly status: number;
  /** The headers, by name. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body (empty for `HEAD`). */
  readonly body: string;
}

/** One open WebSocket, as the runtime gives it. */
export interface WebPeer {
  /** Sends one text message. */
  send(text: string): void;
  /** Bytes sent and not yet written to the network. */
  readonly bufferedAmount: number;
  /** Closes with a code and a reason (at most 123 bytes). */
  close(code: number, reason: string): void;
  /**
   * Drops the connection, for a peer that does not read (and so would never
   * answer a close): at once where the runtime can, else as `close` does.
   */
  terminate(code: number, reason: string): void;
}

/** What a WebSocket's owner is told. */
export interface MessageHandlers {
  /**
   * A message: its text (a string, or its bytes where the runtime leaves
   * their UTF-8 unchecked), or a binary message's bytes.
   */
  message(data: string | Uint8Array, binary: boolean): void;
  /** The WebSocket closed (either side, or the network); called once, last. */
  close(): void;
}

/** What a web listener asks of its owner. */
export interface WebHandlers {
  /** Answers a request; `undefined` to upgrade it to a WebSocket. */
  request(request: WebRequest): WebReply | undefined;
  /** A WebSocket has opened. */
  open(peer: WebPeer): MessageHandlers;
}

/** A runtime's web listener: HTTP with WebSocket upgrades. */
export interface WebRuntime {
  /** Queues a task that runs once the runtime has polled its sockets (turns.ts). */
  later(task: () => void): void;
  /** Binds and serves; `handlers` answers every request and owns every WebSocket. */
  listenWeb(options: WebListenOptions, handlers: WebHandlers): Promise<Listener>;
}

/** Queued writes count against this many bytes before `write` returns `false`, unless set. */
export const HIGH_WATER_MARK = 64 * 1024;

/**
 * The listen backlog every listener asks for: connections the kernel holds
 * complete before they are accepted. A burst past the runtimes' default of
 * 511 otherwise waits on SYN retries (1-2 s). Linux caps it at
 * `net.core.somaxconn` (4096 by default since 5.4), so this is simply large.
 */
export const LISTEN_BACKLOG = 65_535;
