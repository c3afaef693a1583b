/**
 * The client as a program: `client.ts [flags]`, on Deno, Bun or Node. With
 * no flags it plays the reference's demo and prints what the reference
 * prints: each game's banner as it starts, then every guess and decision.
 *
 * @module
 */

import process from "node:process";
import { createInterface } from "node:readline";
import {
  bigInteger,
  choice,
  integer,
  parseFlags,
  pemFile,
  run,
  seconds,
  UsageError,
} from "./run.ts";
import { connect } from "../_client/connect.ts";
import { type Decision, DIALECTS } from "../protocol.ts";
import { decisionWord, language, LANGUAGES, MESSAGES, useColour } from "./messages.ts";
import { type Console, play } from "./play.ts";
import { reason, stdout } from "./output.ts";

const USAGE = `Usage: client.ts [options]

Plays the warmer-colder game against a server: you hold the secret, the
server guesses. With no game options, plays the reference's demo: 1..5 with
secret 3, then 10..15 with secret 12, five guesses each.

Options:
  --hostname HOST    server address (default 127.0.0.1)
  --port PORT        server port (default 4321)
  --lower N          least number of each game (default 1)
  --upper N          greatest number of each game (default 100)
  --secret N         the secret (default: random in the range, per game)
  --count N          most guesses per game (default 5)
  --games N          how many games on the connection (default 1)
  --timeout SECONDS  how long to wait for the server; 0 never (default 30)
  --tls              speak TLS, verifying the server's certificate against the
                     runtime's trusted roots; never falls back to plaintext
  --tls-ca FILE      verify against this CA certificate (PEM) instead; implies --tls
  --tls-server-name NAME  the name the certificate must hold (default the
                     hostname); implies --tls
  --play             you hold the secret: answer each guess yourself
                     (w/c/u/y or the words, English or Korean, spaced or
                     not, whatever --lang; sent in --dialect's words; also
                     from piped input)
  --dialect en|ko    words sent for the decisions: en (Warmer, Colder, Unsure,
                     Correct; the default) or ko, the Korean notes' (더따뜻함,
                     더차가움, 잘모르겠음, 맞음), for a server of those notes
  --lang en|ko       language of the messages (default from LANG, else en)
  -h, --help         show this help

Give a negative number with '=': --lower=-10.
`;

/** The reference's demo: range and secret of each game. */
export const DEMO_GAMES: readonly (readonly [bigint, bigint, bigint])[] = [[1n, 5n, 3n], [
  10n,
  15n,
  12n,
]];

/** A uniform random integer in `lower..upper`, from the platform's CSPRNG. */
export function randomInteger(lower: bigint, upper: bigint): bigint {
  const span = upper - lower + 1n;
  const bits = span.toString(2).length;
  const words = new Uint32Array(Math.ceil(bits / 32));
  while (true) {
    crypto.getRandomValues(words);
    let value = 0n;
    for (const word of words) value = (value << 32n) | BigInt(word);
    value = BigInt.asUintN(bits, value);
    if (value < span) return lower + value;
  }
}

/** Runs the program with the process's arguments, and sets its exit code. */
export function main(): Promise<void> {
  return run("client.ts", clientMain);
}

/** Plays the games; returns the exit code. */
async function clientMain(args: string[]): Promise<number> {
  const flags = parseFlags(USAGE, {
    lower: { type: "string" },
    upper: { type: "string" },
    secret: { type: "string" },
    count: { type: "string" },
    games: { type: "string" },
    timeout: { type: "string", default: "30" },
    play: { type: "boolean", default: false },
    dialect: { type: "string", default: "en" },
    tls: { type: "boolean", default: false },
    "tls-ca": { type: "string" },
    "tls-server-name": { type: "string" },
  }, args);
  if (flags === undefined) return 0;
  const lang = choice("lang", flags.lang as string | undefined, LANGUAGES);
  const messages = MESSAGES[language(lang)];
  const dialect = choice("dialect", flags.dialect as string, DIALECTS);
  const colour = useColour();
  if (flags.play) {
    if (flags.secret !== undefined) throw new UsageError("--play and --secret do not go together");
    if (flags.games !== undefined) throw new UsageError("--play plays one game; leave out --games");
  }
  const count = integer("count", (flags.count as string | undefined) ?? "5", 0);
  const custom = flags.play ||
    ["lower", "upper", "secret", "games"].some((name) => flags[name] !== undefined);
  let games: (readonly [bigint, bigint, bigint | undefined])[] = [...DEMO_GAMES];
  if (custom) {
    const lower = bigInteger("lower", (flags.lower as string | undefined) ?? "1");
    const upper = bigInteger("upper", (flags.upper as string | undefined) ?? "100");
    if (lower > upper) throw new UsageError(`--lower ${lower} is above --upper ${upper}`);
    const secret = flags.secret === undefined
      ? undefined
      : bigInteger("secret", flags.secret as string);
    if (secret !== undefined && (secret < lower || secret > upper)) {
      throw new UsageError(`--secret ${secret} is outside ${lower}..${upper}`);
    }
    const n = integer("games", (flags.games as string | undefined) ?? "1", 1);
    games = Array.from({ length: n }, () => [lower, upper, secret] as const);
  }
  // Its output is what it plays for: once that cannot be written, it stops,
  // the error ending every wait (then run() says so in one line).
  const output = new AbortController();
  stdout.onClose((error) =>
    output.abort(new Error(`Cannot write to standard output: ${reason(error)}`, { cause: error }))
  );
  const write = (text: string) => {
    output.signal.throwIfAborted();
    stdout.write(text);
  };
  /** Returns `code` once the output is written, or throws why it could not be. */
  const written = async (code: number) => {
    await stdout.settled();
    output.signal.throwIfAborted();
    return code;
  };
  const caFile = flags["tls-ca"] as string | undefined;
  const serverName = flags["tls-server-name"] as string | undefined;
  const tls = flags.tls || caFile !== undefined || serverName !== undefined
    ? { ca: caFile === undefined ? undefined : pemFile("tls-ca", caFile), serverName }
    : undefined;
  await using client = await connect({
    tls,
    hostname: flags.hostname as string,
    port: integer("port", flags.port as string, 1, 65535),
    timeout: seconds("timeout", flags.timeout as string),
    dialect,
    signal: output.signal,
  });
  if (flags.play) {
    const [lower, upper] = games[0];
    const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
    const reader = lines[Symbol.asyncIterator]();
    const io: Console = {
      write,
      read: async () => {
        const next = await reader.next();
        // Piped answers are not echoed by a terminal: show them.
        if (!next.done && !process.stdin.isTTY) write(next.value + "\n");
        return next.done ? undefined : next.value;
      },
    };
    let found: Awaited<ReturnType<typeof play>>;
    try {
      await using game = await client.session(lower, upper);
      const most = flags.count === undefined ? Number.MAX_SAFE_INTEGER : count;
      found = await play(game, most, io, messages, colour);
    } finally {
      lines.close();
    }
    return await written(found === undefined ? 1 : 0);
  }
  const results: [bigint, Decision][] = [];
  for (const [lower, upper, chosen] of games) {
    const secret = chosen ?? randomInteger(lower, upper);
    write(messages.banner(lower, upper, secret) + "\n");
    await using game = await client.session(lower, upper, secret);
    for await (const n of game.requestNumbers(count)) {
      results.push([n, await game.reportOutcome(n)]);
    }
  }
  for (const [n, decision] of results) {
    write(messages.client(n, decisionWord(messages, decision, colour)) + "\n");
  }
  return await written(0);
}
