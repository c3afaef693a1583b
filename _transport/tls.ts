/**
 * What the adapters share of TLS: the handshake's deadline, what a
 * runtime's failed handshake says of the certificate, and what counts as PEM
 * text. Each runtime's own TLS (`node:tls`, also for Deno's listeners; Bun's
 * `tls` option; `Deno.startTls` for Deno's client) does the rest behind the
 * same socket interface as plaintext.
 *
 * @module
 */

/** Whether `text` is PEM text: a string with a `-----BEGIN ` line. */
export function isPem(text: unknown): boolean {
  return typeof text === "string" && text.includes("-----BEGIN ");
}

/** Why a server's certificate was refused, where a runtime's error says so. */
export type CertificateProblem = "untrusted" | "expired" | "name" | "invalid";

/**
 * Destroys a socket whose handshake has not finished within `ms` (0: never):
 * call the returned function when it has finished, or failed.
 */
export function handshakeDeadline(ms: number, destroy: () => void): () => void {
  if (ms === 0) return () => {};
  const timer = setTimeout(destroy, ms);
  return () => clearTimeout(timer);
}

// OpenSSL's verification codes (Node, Bun) and rustls' words (Deno).
const UNTRUSTED = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
]);
const EXPIRED = new Set(["CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID"]);

/**
 * What a failed TLS connection's error says of the server's certificate, or
 * `undefined` when it is not about the certificate (a reset, a peer that
 * does not speak TLS).
 */
export function certificateProblem(error: unknown): CertificateProblem | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === "string") {
    if (UNTRUSTED.has(code)) return "untrusted";
    if (EXPIRED.has(code)) return "expired";
    if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return "name";
    if (code.startsWith("CERT_") || code.startsWith("ERR_TLS_CERT")) return "invalid";
  }
  // Deno: "invalid peer certificate: UnknownIssuer", "... Expired", "... not valid for name ...".
  const text = typeof message === "string" ? message : "";
  if (!/invalid peer certificate/i.test(text)) return undefined;
  if (/UnknownIssuer|BadSignature|issuer/i.test(text)) return "untrusted";
  if (/Expired|NotValidYet/i.test(text)) return "expired";
  if (/valid for name|NotValidForName/i.test(text)) return "name";
  return "invalid";
}

/**
 * A client's handshake, bounded: after `ms` (0: never) the connection is
 * destroyed and the wait rejects with a `TimeoutError`, as it would against
 * a server that does not speak TLS and waits for a line.
 */
export function handshaken<T>(handshake: Promise<T>, ms: number, destroy: () => void): Promise<T> {
  if (ms === 0) return handshake;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      destroy();
      reject(new DOMException(`The TLS handshake did not finish within ${ms} ms`, "TimeoutError"));
    }, ms);
    handshake.then((value) => {
      clearTimeout(timer);
      resolve(value);
    }, (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
