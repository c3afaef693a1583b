/**
 * `connect()`: a {@linkcode Client} on the runtime's own socket, plaintext or
 * TLS, through the adapter seam.
 *
 * @module
 */

import { getRuntime } from "../_transport/detect.ts";
import { type CertificateProblem, certificateProblem, isPem } from "../_transport/tls.ts";
import type { TlsConnectOptions } from "../_transport/types.ts";
import { checkInteger, MAX_DELAY } from "../_util/limits.ts";
import {
  CertificateError,
  checkDialect,
  checkTimeout,
  Client,
  type ClientOptions,
  ConnectionClosedError,
} from "./client.ts";
import { SocketWire } from "./socket_wire.ts";

/** How {@linkcode connect} speaks TLS: what it trusts and the name it checks. */
export interface TlsOptions {
  /**
   * The CA certificate (PEM text) that must have signed the server's.
   * Without it, the runtime's trusted roots. (Deno trusts its roots beside
   * a given CA; Node and Bun the CA alone.)
   */
  ca?: string;
  /**
   * The name the server's certificate must be issued for.
   *
   * @default {the hostname}
   */
  serverName?: string;
  /**
   * Milliseconds the handshake may take before `connect` rejects with a
   * `TimeoutError` (a plaintext server waits for a line without end); 0 for
   * no limit. At most 2^31 - 1.
   *
   * @default {10000}
   */
  handshakeTimeout?: number;
}
/** Options of {@linkcode connect}. */
export interface ConnectOptions extends ClientOptions {
  /**
   * The server's host name or address.
   *
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * The server's port.
   *
   * @default {4321}
   */
  port?: number;
  /**
   * Speak TLS: `true` to verify the server's certificate against the
   * runtime's trusted roots, or what to trust and check. A certificate that
   * does not verify rejects with {@linkcode CertificateError}.
   *
   * @default {false}
   */
  tls?: boolean | TlsOptions;
}
/**
 * Waits for `promise`, or rejects when `signal` aborts or `timeout` ms pass:
 * for the connection's start, before there is a client to wait on.
 */
function within<T>(promise: Promise<T>, timeout: number, signal?: AbortSignal): Promise<T> {
  if (timeout === 0 && signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      done();
      reject(signal!.reason);
    };
    const timer = timeout > 0
      ? setTimeout(() => {
        done();
        reject(new DOMException(`No answer within ${timeout} ms`, "TimeoutError"));
      }, timeout)
      : undefined;
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", abort);
    };
    if (signal?.aborted) return abort();
    signal?.addEventListener("abort", abort, { once: true });
    promise.then((value) => {
      done();
      resolve(value);
    }, (error) => {
      done();
      reject(error);
    });
  });
}
/** How a {@linkcode CertificateError}'s message says what was wrong. */
const PROBLEMS: Record<CertificateProblem, string> = {
  untrusted: "is not signed by a trusted CA",
  expired: "has expired, or is not valid yet",
  name: "is not issued for that name",
  invalid: "does not verify",
};

/** `connect`'s TLS options, checked and with their defaults; `undefined` for plaintext. */
function tlsOptions(
  tls: boolean | TlsOptions | undefined,
  hostname: string,
): TlsConnectOptions | undefined {
  if (tls === undefined || tls === false) return undefined;
  const given = tls === true ? {} : tls;
  if (given.ca !== undefined && !isPem(given.ca)) {
    throw new TypeError('Cannot connect: tls.ca must be PEM text ("-----BEGIN ...")');
  }
  return {
    ca: given.ca,
    serverName: given.serverName ?? hostname,
    handshakeTimeout: checkInteger(
      "Cannot connect",
      "tls.handshakeTimeout",
      given.handshakeTimeout ?? 10_000,
      0,
      MAX_DELAY,
    ),
  };
}

/**
 * Connects to a server over TCP, or over TLS with `tls`.
 *
 * @param options Where the server is, timeouts and cancellation.
 * @returns The connected client.
 * @throws {ConnectionClosedError} when the connection cannot be made (nothing
 *   listens, the host is unknown); a `TimeoutError` after `timeout` ms.
 *
 * @example A refused connection
 * ```ts
 * import { connect, ConnectionClosedError } from "@warmer-colder/warmer-colder/client";
 * import { serve } from "@warmer-colder/warmer-colder/server";
 * import assert from "node:assert/strict";
 *
 * const server = await serve({ port: 0, quiet: true });
 * const port = server.addr.port;
 * await server.close();
 * await assert.rejects(connect({ port }), ConnectionClosedError);
 * ```
 */
export async function connect(options: ConnectOptions = {}): Promise<Client> {
  const hostname = options.hostname ?? "127.0.0.1";
  const port = options.port ?? 4321;
  checkInteger("Cannot connect", "port", port, 1, 65535);
  const timeout = checkTimeout("Cannot connect", options.timeout);
  checkDialect("Cannot connect", options.dialect);
  const tls = tlsOptions(options.tls, hostname);
  const runtime = await getRuntime();
  const wire = new SocketWire(options.maxLineBytes ?? 4096);
  const pending = runtime.connect({ hostname, port, tls }, wire.handlers);
  try {
    await within(pending, timeout, options.signal);
  } catch (error) {
    pending.then((late) => late.destroy(), () => {});
    if (
      error === options.signal?.reason ||
      (error instanceof DOMException && error.name === "TimeoutError")
    ) {
      throw error;
    }
    const message = error instanceof Error ? error.message : String(error);
    const problem = tls && certificateProblem(error);
    if (problem) {
      throw new CertificateError(
        problem,
        `Cannot connect to ${hostname}:${port}: the server's certificate ${
          PROBLEMS[problem]
        } (${message})`,
        { cause: error },
      );
    }
    const reason = (error as { code?: string }).code ?? message;
    throw new ConnectionClosedError(
      `Cannot connect to ${hostname}:${port}${tls ? " over TLS" : ""}: ${reason}`,
      { cause: error },
    );
  }
  return new Client(wire, options);
}
