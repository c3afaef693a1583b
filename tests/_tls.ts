/**
 * Test certificates, made at test time with the system's `openssl` (the
 * README's two commands, and `openssl ca` for one that has expired): a CA,
 * a server certificate it signed for `localhost` and 127.0.0.1, the same
 * expired, and a self-signed one that no one trusts.
 *
 * @module
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "./_helpers.ts";

/** A certificate and its key, PEM text, and where they are on disk. */
export interface Pair {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

/** The test certificates. */
export interface Certificates {
  /** The CA's certificate, PEM text, and its file. */
  ca: string;
  caFile: string;
  /** Signed by the CA for `localhost` and 127.0.0.1. */
  server: Pair;
  /** The same names, signed by the CA, valid only in January 2020. */
  expired: Pair;
  /** The same names, self-signed: trusted by no one. */
  untrusted: Pair;
  /** Removes the files. */
  remove(): void;
}

const NEW_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
const NAMES = [
  "-subj",
  "/CN=localhost",
  "-addext",
  "subjectAltName=DNS:localhost,IP:127.0.0.1",
  "-addext",
  "basicConstraints=critical,CA:FALSE",
];

async function openssl(dir: string, args: string[]): Promise<void> {
  const result = await run("sh", ["-c", 'cd "$0" && exec openssl "$@"', dir, ...args]);
  if (result.code !== 0) throw new Error(`openssl ${args.join(" ")}: ${result.stderr}`);
}

function pair(dir: string, name: string): Pair {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  return {
    cert: readFileSync(certFile, "utf8"),
    key: readFileSync(keyFile, "utf8"),
    certFile,
    keyFile,
  };
}

/** Why TLS tests cannot run here (no `openssl`), or `false`. */
export async function opensslSkip(): Promise<string | false> {
  try {
    const result = await run("openssl", ["version"], 10_000);
    return result.code === 0 ? false : "openssl does not run here";
  } catch {
    return "openssl is absent (apt-get install openssl)";
  }
}

/** Makes the certificates in a new temporary directory. */
export async function makeCertificates(): Promise<Certificates> {
  const dir = mkdtempSync(join(tmpdir(), "warmer-colder-tls-"));
  const ca = ["-subj", "/CN=warmer-colder test CA"];
  await openssl(dir, ["req", "-x509", ...NEW_KEY, "-keyout", "ca.key", "-out", "ca.pem", ...ca]);
  const signed = ["-CA", "ca.pem", "-CAkey", "ca.key", "-days", "2"];
  await openssl(dir, [
    "req",
    "-x509",
    ...NEW_KEY,
    ...signed,
    ...NAMES,
    "-keyout",
    "server.key",
    "-out",
    "server.pem",
  ]);
  await openssl(dir, [
    "req",
    "-x509",
    ...NEW_KEY,
    "-days",
    "2",
    ...NAMES,
    "-keyout",
    "untrusted.key",
    "-out",
    "untrusted.pem",
  ]);
  // `req` cannot date a certificate in the past; `openssl ca` can.
  writeFileSync(join(dir, "index.txt"), "");
  writeFileSync(join(dir, "serial"), "01\n");
  writeFileSync(
    join(dir, "ca.cnf"),
    "[ca]\ndefault_ca = test\n[test]\ndatabase = index.txt\nnew_certs_dir = .\n" +
      "serial = serial\ndefault_md = sha256\npolicy = any\ncopy_extensions = copy\n" +
      "[any]\ncommonName = supplied\n",
  );
  await openssl(dir, [
    "req",
    "-new",
    ...NEW_KEY,
    ...NAMES,
    "-keyout",
    "expired.key",
    "-out",
    "expired.csr",
  ]);
  await openssl(dir, [
    "ca",
    "-batch",
    "-config",
    "ca.cnf",
    "-cert",
    "ca.pem",
    "-keyfile",
    "ca.key",
    "-in",
    "expired.csr",
    "-out",
    "expired.pem",
    "-notext",
    "-startdate",
    "20200101000000Z",
    "-enddate",
    "20200102000000Z",
  ]);
  return {
    ca: readFileSync(join(dir, "ca.pem"), "utf8"),
    caFile: join(dir, "ca.pem"),
    server: pair(dir, "server"),
    expired: pair(dir, "expired"),
    untrusted: pair(dir, "untrusted"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
