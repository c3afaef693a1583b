/**
 * The server as a program: `server.ts [flags]`, on Deno, Bun or Node.
 *
 * @module
 */

import { choice, integer, parseFlags, pemFile, run, seconds, UsageError } from "./run.ts";
import { decisionWord, language, LANGUAGES, MESSAGES, useColour } from "./messages.ts";
import { serve } from "../_server/serve.ts";
import { strategyNames } from "../_strategy/mod.ts";
import { getRuntime } from "../_transport/detect.ts";
import {
  onFirstProcessGone,
  onWorkerSignals,
  RESTART_LIMIT,
  RESTART_SECONDS,
  WorkerGroup,
} from "./workers.ts";
import { DENO_ENV_ASSIGNMENTS } from "./child.ts";
import { reason, stderr, stdout } from "./output.ts";
import { availableParallelism } from "node:os";

const USAGE = `Usage: server.ts [options]

Serves the warmer-colder game: the server guesses, clients answer.

Options:
  --hostname HOST          address to listen on (default 127.0.0.1)
  --port PORT              port to listen on; 0 picks a free one (default 4321)
  --strategy NAME          how to guess: random (default, as the reference), or smart
                           (listens to Warmer and Colder: W + 1 guesses at most)
  --quiet                  no 'Server: N is Decision' line per report
  --lang en|ko             language of the messages (default from LANG, else en)
  --max-line-bytes N       longest line accepted (default 4096)
  --max-connections N      connections open at once (default 10000)
  --max-pending-bytes N    replies waiting for a peer before it is not read (default 65536)
  --idle-timeout SECONDS   close a connection silent this long; 0 never (default 300)
  --shutdown-timeout SECONDS  wait this long for connections on shutdown (default 5)
  --workers N              server processes on the port; 0 is one per core (default 1);
                           each has this one's language, colour and (on Deno) permissions
                           (on Deno: run with -A --unstable-net); they end when this one
                           does, however it ends; one that dies is started again, at most
                           ${RESTART_LIMIT} times in ${RESTART_SECONDS} s: past that all stop, exit code 1
  --reuse-port             share the port with other processes (--workers does)
  --tls-cert FILE          speak TLS only, with this certificate chain (PEM); needs --tls-key
  --tls-key FILE           the certificate's private key (PEM)
  --handshake-timeout SECONDS  close a TLS connection whose handshake takes longer;
                           0 never (default 10); on the web port, an HTTP request
                           whose head takes longer (10 s where this is 0)
  --web PORT               also serve browsers on this port, on the same hostname:
                           the page at /, the protocol over WebSocket at /ws;
                           https and wss with --tls-cert; 0 picks a free one
  --web-origin ORIGIN      let pages of this origin (https://example.com) open
                           games too, besides the page's own; repeatable
  -h, --help               show this help

Prints 'Listening on HOST:PORT' once it listens (then, with --web, 'Web page on
http://HOST:PORT/'); stops on SIGINT or SIGTERM.
Reports are read in English or in the Korean notes' words, spaced or not
(REPORT Warmer, REPORT 더따뜻함, REPORT 더 따뜻함); see PROTOCOL.md.

On Deno, start it with ${DENO_ENV_ASSIGNMENTS} in the environment, or at about
1000 connections some starve (--env-file is too late; --workers passes it on).
Without it, --workers 2 or more serves them too: each process polls its own sockets.
`;

/** `host:port` as a URL writes it: an IPv6 address in brackets. */
function hostPort(hostname: string, port: number): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}

/** Runs the program with the process's arguments, and sets its exit code. */
export function main(): Promise<void> {
  return run("server.ts", serverMain);
}

/** Runs the server until a signal stops it; returns the exit code. */
async function serverMain(args: string[]): Promise<number> {
  const flags = parseFlags(USAGE, {
    strategy: { type: "string", default: "random" },
    quiet: { type: "boolean", default: false },
    "max-line-bytes": { type: "string", default: "4096" },
    "max-connections": { type: "string", default: "10000" },
    "idle-timeout": { type: "string", default: "300" },
    "max-pending-bytes": { type: "string", default: "65536" },
    "shutdown-timeout": { type: "string", default: "5" },
    workers: { type: "string", default: "1" },
    "reuse-port": { type: "boolean", default: false },
    "tls-cert": { type: "string" },
    "tls-key": { type: "string" },
    "handshake-timeout": { type: "string", default: "10" },
    web: { type: "string" },
    "web-origin": { type: "string", multiple: true },
    // Not in the usage: the first process passes them to its workers (see workers.ts).
    colour: { type: "boolean", default: false },
    worker: { type: "boolean", default: false },
  }, args);
  if (flags === undefined) return 0;
  const lang = choice("lang", flags.lang as string | undefined, LANGUAGES);
  const resolved = language(lang);
  const messages = MESSAGES[resolved];
  const colour = flags.colour as boolean || useColour();
  const strategy = choice("strategy", flags.strategy as string, strategyNames);
  // A reader that goes away ends the lines, never the games.
  stdout.onClose((error) => stderr.line(`server.ts: ${messages.stdoutClosed(reason(error))}`));
  const workers = integer("workers", flags.workers as string, 0, 1024) || availableParallelism();
  const certFile = flags["tls-cert"] as string | undefined;
  const keyFile = flags["tls-key"] as string | undefined;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new UsageError("--tls-cert and --tls-key go together");
  }
  const tls = certFile === undefined || keyFile === undefined
    ? undefined
    : { cert: pemFile("tls-cert", certFile), key: pemFile("tls-key", keyFile) };
  const webPort = flags.web === undefined
    ? undefined
    : integer("web", flags.web as string, 0, 65535);
  const origins = (flags["web-origin"] ?? []) as string[];
  if (webPort === undefined && origins.length > 0) {
    throw new UsageError("--web-origin goes with --web PORT");
  }
  const server = await serve({
    reusePort: workers > 1 || flags["reuse-port"] as boolean,
    hostname: flags.hostname as string,
    port: integer("port", flags.port as string, 0, 65535),
    strategy,
    quiet: flags.quiet as boolean,
    onReport: (guess, decision) => {
      if (stdout.open) {
        stdout.line(messages.server(guess, decisionWord(messages, decision, colour)));
      }
    },
    maxLineBytes: integer("max-line-bytes", flags["max-line-bytes"] as string, 1),
    maxConnections: integer("max-connections", flags["max-connections"] as string, 1),
    maxPendingBytes: integer("max-pending-bytes", flags["max-pending-bytes"] as string, 1),
    idleTimeout: seconds("idle-timeout", flags["idle-timeout"] as string),
    shutdownTimeout: seconds("shutdown-timeout", flags["shutdown-timeout"] as string),
    tls,
    handshakeTimeout: seconds("handshake-timeout", flags["handshake-timeout"] as string),
    web: webPort === undefined ? undefined : { port: webPort, origins },
  });
  // What this process resolved for itself, so that every worker behaves as it does.
  const copied = Object.entries(flags).flatMap(([name, value]) =>
    typeof value !== "string" || ["port", "workers", "lang", "web"].includes(name)
      ? []
      : [`--${name}`, value]
  );
  for (const origin of origins) copied.push("--web-origin", origin);
  if (server.web) copied.push("--web", String(server.web.port));
  copied.push("--lang", resolved, "--port", String(server.addr.port), "--reuse-port");
  if (flags.quiet) copied.push("--quiet");
  if (colour) copied.push("--colour");
  const group = new WorkerGroup({
    args: copied,
    address: server.addr,
    messages,
    warn: (line) => stderr.line(`server.ts: ${line}`),
    // Not translated, as the first one is not: scripts and tests read it.
    onRestart: (pids) => stdout.line(`Workers: ${pids.join(" ")}`),
    onFailure: () => stopAll(),
  });
  let stopping = false;
  const stopAll = () => {
    stopping = true;
    group.stop();
    void server.close();
  };
  // A worker stops when the first process tells it to, or is gone (see workers.ts).
  const stop = flags.worker ? onWorkerSignals(stopAll) : (await getRuntime()).onSignal(stopAll);
  const unwatch = flags.worker ? onFirstProcessGone(stopAll) : () => {};
  try {
    if (!stopping) await group.start(workers - 1);
  } catch (error) {
    stopAll();
    await group.finished();
    unwatch();
    stop();
    throw error;
  }
  // Not translated: scripts and tests read this line for the port.
  stdout.line(`Listening on ${server.addr.hostname}:${server.addr.port}`);
  if (server.web && !flags.worker) {
    const scheme = tls ? "https" : "http";
    stdout.line(`Web page on ${scheme}://${hostPort(server.web.hostname, server.web.port)}/`);
  }
  if (workers > 1) stdout.line(`Workers: ${group.pids.join(" ")}`);
  await server.finished;
  await group.finished();
  unwatch();
  stop();
  return group.failed ? 1 : 0;
}
