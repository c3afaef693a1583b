/**
 * The server as a program: `server.ts [flags]`, on Deno, Bun or Node.
 *
 * @module
 */

import { integer, parseFlags, UsageError } from "./_cli.ts";
import { decisionWord, language, MESSAGES, useColour } from "./_messages.ts";
import { serve, type StrategyName } from "./server.ts";
import { getRuntime } from "./_transport/mod.ts";

const USAGE = `Usage: server.ts [options]

Serves the warmer-colder game: the server guesses, clients answer.

Options:
  --hostname HOST          address to listen on (default 127.0.0.1)
  --port PORT              port to listen on; 0 picks a free one (default 4321)
  --strategy NAME          how to guess: random (default)
  --quiet                  no 'Server: N is Decision' line per report
  --lang en|ko             language of the messages (default from LANG, else en)
  --max-line-bytes N       longest line accepted (default 4096)
  --max-connections N      connections open at once (default 10000)
  --idle-timeout SECONDS   close a connection silent this long; 0 never (default 300)
  --shutdown-timeout SECONDS  wait this long for connections on shutdown (default 5)
  -h, --help               show this help

Prints 'Listening on HOST:PORT' once it listens; stops on SIGINT or SIGTERM.
`;

/** Runs the server until a signal stops it; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const flags = parseFlags(USAGE, {
    hostname: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "4321" },
    strategy: { type: "string", default: "random" },
    quiet: { type: "boolean", default: false },
    lang: { type: "string" },
    "max-line-bytes": { type: "string", default: "4096" },
    "max-connections": { type: "string", default: "10000" },
    "idle-timeout": { type: "string", default: "300" },
    "shutdown-timeout": { type: "string", default: "5" },
  }, args);
  if (flags === undefined) return 0;
  let messages;
  try {
    messages = MESSAGES[language(flags.lang as string | undefined)];
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const colour = useColour();
  const strategy = flags.strategy as string;
  if (strategy !== "random") {
    throw new UsageError(`--strategy must be random, got ${JSON.stringify(strategy)}`);
  }
  const server = await serve({
    hostname: flags.hostname as string,
    port: integer("port", flags.port as string, 0, 65535),
    strategy: strategy as StrategyName,
    quiet: flags.quiet as boolean,
    onReport: (guess, decision) =>
      console.log(messages.server(guess, decisionWord(messages, decision, colour))),
    maxLineBytes: integer("max-line-bytes", flags["max-line-bytes"] as string, 1),
    maxConnections: integer("max-connections", flags["max-connections"] as string, 1),
    idleTimeout: integer("idle-timeout", flags["idle-timeout"] as string, 0) * 1000,
    shutdownTimeout: integer("shutdown-timeout", flags["shutdown-timeout"] as string, 0) * 1000,
  });
  // Not translated: scripts and tests read this line for the port.
  console.log(`Listening on ${server.addr.hostname}:${server.addr.port}`);
  const stop = (await getRuntime()).onSignal(() => void server.close());
  await server.finished;
  stop();
  return 0;
}
