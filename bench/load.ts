/**
 * The benchmark's load generator: many concurrent clients on plain `node:net`,
 * each playing warmer-colder games against one server over and over, checking
 * every reply. Prints one JSON object on stdout.
 *
 * Each round trip is one write: `PARAMS 1 100\nNUMBER\n` to open, then
 * `REPORT X\nNUMBER\n`, or `REPORT X\nPARAMS 0 -1\nPARAMS 1 100\nNUMBER\n` when
 * a game ends (Correct, or five rounds). Replies are parsed byte by byte from
 * one shared read buffer (`onread`), latencies go into a fixed-size log-linear
 * histogram, and nothing grows with the number of round trips. Warm-up starts
 * once the server has answered every connection once, and a round trip still
 * unanswered when the measured window closes is timed with its age so far.
 *
 * The pure pieces ({@linkcode ReplyParser}, {@linkcode Player},
 * {@linkcode decide}, {@linkcode Histogram}) are exported for bench/load_test.ts.
 *
 * Usage: node_modules/.bin/node bench/load.ts --port P [--host 127.0.0.1]
 *   [--connections 50] [--duration 5] [--warmup 1] | --idle N [--hold 120]
 * Stdout: a `{"phase":"measuring"}` line when the measured window opens, then
 * the result; bench/run.ts samples the server's CPU between the two.
 *
 * @module
 */

import { connect, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import process from "node:process";
import { parseArgs } from "node:util";

// ---------------------------------------------------------------- histogram

const SUB_BITS = 6;
const SUB = 1 << SUB_BITS;
const BUCKETS = (32 - SUB_BITS) * SUB;
const MAX_VALUE = 0x7fffffff;

/** The bucket of a value (microseconds): exact below 128, then within 1/64 of it. */
export function bucketOf(value: number): number {
  const v = value <= 0 ? 0 : value >= MAX_VALUE ? MAX_VALUE : Math.round(value);
  if (v < 2 * SUB) return v;
  const shift = 31 - Math.clz32(v) - SUB_BITS;
  return (shift + 1) * SUB + (v >>> shift) - SUB;
}

/** The middle of a bucket's range of values. */
export function bucketValue(index: number): number {
  if (index < 2 * SUB) return index;
  const shift = (index >>> SUB_BITS) - 1;
  const width = 2 ** shift;
  return (index - shift * SUB) * width + (width - 1) / 2;
}

/** Sparse JSON form of a histogram: `[bucket, count]` pairs. */
export interface HistogramJson {
  count: number;
  sum: number;
  max: number;
  buckets: [number, number][];
}

/** Latencies in microseconds, in {@linkcode BUCKETS} counters (about 13 KB). */
export class Histogram {
  counts: Float64Array = new Float64Array(BUCKETS);
  count = 0;
  sum = 0;
  max = 0;

  record(value: number): void {
    this.counts[bucketOf(value)]++;
    this.count++;
    this.sum += value;
    if (value > this.max) this.max = value;
  }

  /** The value at percentile `p` (0..100): the first bucket holding rank ceil(p% of count). */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return bucketValue(i);
    }
    return this.max;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = this.sum = this.max = 0;
  }

  merge(other: HistogramJson): void {
    for (const [index, n] of other.buckets) this.counts[index] += n;
    this.count += other.count;
    this.sum += other.sum;
    this.max = Math.max(this.max, other.max);
  }

  toJSON(): HistogramJson {
    const buckets: [number, number][] = [];
    this.counts.forEach((n, i) => n > 0 && buckets.push([i, n]));
    return { count: this.count, sum: this.sum, max: this.max, buckets };
  }
}

// ------------------------------------------------------------- reply parser

/** A reply line that is an integer (`[+-]?[0-9]+`). */
export const INT = 0;
/** A reply line that is neither an integer nor an `ERROR` line. */
export const NOT_INT = 1;
/** A reply line starting `ERROR `. */
export const ERROR_LINE = 2;
/** What a reply line was. */
export type ReplyKind = typeof INT | typeof NOT_INT | typeof ERROR_LINE;

/** Where a {@linkcode ReplyParser} delivers complete lines. */
export interface ReplySink {
  reply(kind: ReplyKind, value: number): void;
}

const LF = 10;
const CR = 13;
const ERROR_PREFIX = [69, 82, 82, 79, 82, 32]; // "ERROR "
const SAMPLE = 60;

/**
 * Splits reply bytes into lines and reads each as an integer as it goes, with
 * no allocation; a line may arrive split over any number of chunks. A `\r`
 * right before `\n` is dropped. Keeps the first 60 bytes of the current line so
 * a bad one can be shown ({@linkcode ReplyParser.lastLine}).
 */
export class ReplyParser {
  value = 0;
  digits = 0;
  negative = false;
  bad = false;
  errorPrefix = true;
  cr = false;
  length = 0;
  sample: Uint8Array = new Uint8Array(SAMPLE);
  sampleLength = 0;

  feed(bytes: Uint8Array, start: number, end: number, sink: ReplySink): void {
    for (let i = start; i < end; i++) {
      const b = bytes[i];
      if (b === LF) {
        this.finish(sink);
        continue;
      }
      if (this.cr) {
        this.cr = false;
        this.take(CR);
      }
      if (b === CR) this.cr = true;
      else this.take(b);
    }
  }

  /** The first bytes of the line being delivered, as text; valid only inside `sink.reply`. */
  lastLine(): string {
    return new TextDecoder().decode(this.sample.subarray(0, this.sampleLength));
  }

  private take(b: number): void {
    const at = this.length++;
    if (at < SAMPLE) this.sample[at] = b;
    if (at < 6 && b !== ERROR_PREFIX[at]) this.errorPrefix = false;
    if (b >= 48 && b <= 57) {
      this.value = this.value * 10 + (b - 48);
      this.digits++;
    } else if (at === 0 && (b === 45 || b === 43)) {
      this.negative = b === 45;
    } else {
      this.bad = true;
    }
  }

  private finish(sink: ReplySink): void {
    const kind = this.errorPrefix && this.length >= 6
      ? ERROR_LINE
      : this.bad || this.digits === 0
      ? NOT_INT
      : INT;
    const value = this.negative ? -this.value : this.value;
    this.sampleLength = Math.min(this.length, SAMPLE);
    this.value = this.digits = this.length = 0;
    this.negative = this.bad = this.cr = false;
    this.errorPrefix = true;
    sink.reply(kind, value);
  }
}

// ------------------------------------------------------------------- player

/** The four decisions, indexed by {@linkcode decide}'s result. */
export const DECISIONS = ["Warmer", "Colder", "Unsure", "Correct"] as const;
const WARMER = 0, COLDER = 1, UNSURE = 2, CORRECT = 3;

/**
 * An honest client's report: distance 0 is Correct; no previous distance
 * (`-1`) or an equal one is Unsure; smaller is Warmer; larger is Colder.
 * Returns an index into {@linkcode DECISIONS}.
 */
export function decide(distance: number, previous: number): number {
  if (distance === 0) return CORRECT;
  if (previous < 0 || distance === previous) return UNSURE;
  return distance < previous ? WARMER : COLDER;
}

/** Counters shared by all players of a process; reset when warm-up ends. */
export class Stats {
  roundTrips = 0;
  games = 0;
  notInteger = 0;
  errorReply = 0;
  outOfRange = 0;
  repeated = 0;
  unsolicited = 0;
  samples: string[] = [];

  violations(): number {
    return this.notInteger + this.errorReply + this.outOfRange + this.repeated + this.unsolicited;
  }

  reset(): void {
    this.roundTrips =
      this.games =
      this.notInteger =
      this.errorReply =
        0;
    this.outOfRange = this.repeated = this.unsolicited = 0;
  }
}

const LOWER = 1;
const UPPER = 100;
const ROUNDS = 5;
const encoder = new TextEncoder();
/** The first write of a connection. */
export const OPEN: Uint8Array = encoder.encode(`PARAMS ${LOWER} ${UPPER}\nNUMBER\n`);
const NEXT = DECISIONS.map((d) => encoder.encode(`REPORT ${d}\nNUMBER\n`));
const END = DECISIONS.map((d) =>
  encoder.encode(`REPORT ${d}\nPARAMS 0 -1\nPARAMS ${LOWER} ${UPPER}\nNUMBER\n`)
);
const RESTART = encoder.encode(`PARAMS 0 -1\nPARAMS ${LOWER} ${UPPER}\nNUMBER\n`);

/**
 * One client's games, without I/O: {@linkcode Player.reply} takes a parsed
 * reply, checks it (integer, in range, not repeated in this game), counts any
 * violation in `stats`, and returns the next write, or `null` for a reply that
 * answered nothing. A non-integer or `ERROR` reply abandons the game. The
 * returned write is taken as sent; a caller that drops it sets `awaiting` false.
 */
export class Player {
  stats: Stats;
  random: () => number;
  secret = 0;
  previous = -1;
  guesses: number[] = [];
  awaiting = false;
  /** The last violation's name, or "" (for tests and samples). */
  violation = "";

  constructor(stats: Stats, random: () => number = Math.random) {
    this.stats = stats;
    this.random = random;
  }

  /** Starts the first game; returns the first write. */
  start(): Uint8Array {
    this.newGame();
    return OPEN;
  }

  reply(kind: ReplyKind, value: number): Uint8Array | null {
    const stats = this.stats;
    this.violation = "";
    if (!this.awaiting) {
      stats.unsolicited++;
      this.violation = "unsolicited";
      return null;
    }
    this.awaiting = false;
    stats.roundTrips++;
    if (kind !== INT) {
      if (kind === ERROR_LINE) stats.errorReply++;
      else stats.notInteger++;
      this.violation = kind === ERROR_LINE ? "error-reply" : "not-integer";
      this.newGame();
      return RESTART;
    }
    if (value < LOWER || value > UPPER) {
      stats.outOfRange++;
      this.violation = "out-of-range";
    } else if (this.guesses.includes(value)) {
      stats.repeated++;
      this.violation = "repeated";
    }
    this.guesses.push(value);
    const distance = Math.abs(value - this.secret);
    const decision = decide(distance, this.previous);
    this.previous = distance;
    if (decision === CORRECT || this.guesses.length >= ROUNDS) {
      stats.games++;
      this.newGame();
      return END[decision];
    }
    this.awaiting = true;
    return NEXT[decision];
  }

  private newGame(): void {
    this.secret = LOWER + Math.floor(this.random() * (UPPER - LOWER + 1));
    this.previous = -1;
    this.guesses.length = 0;
    this.awaiting = true;
  }
}

// ------------------------------------------------------------------ sockets

/** One connection: parser, player and timing. */
class Client implements ReplySink {
  socket: Socket | null = null;
  parser: ReplyParser = new ReplyParser();
  player: Player;
  run: Run;
  sent = 0;
  replied = false;

  constructor(run: Run) {
    this.run = run;
    this.player = new Player(run.stats);
  }

  reply(kind: ReplyKind, value: number): void {
    const run = this.run;
    const now = performance.now();
    if (run.measuring) run.histogram.record((now - this.sent) * 1000);
    const out = this.player.reply(kind, value);
    if (this.player.violation && run.stats.samples.length < 5) {
      run.stats.samples.push(`${this.player.violation}: ${JSON.stringify(this.parser.lastLine())}`);
    }
    this.replied = true;
    if (out === null || run.idle || run.stopping) {
      this.player.awaiting = false;
      return;
    }
    this.sent = now;
    this.socket!.write(out);
  }
}

/** The state of one load process. */
class Run {
  stats: Stats = new Stats();
  histogram: Histogram = new Histogram();
  clients: Client[] = [];
  measuring = false;
  stopping = false;
  idle: boolean;
  socketErrors = 0;
  closedEarly = 0;
  errorSamples: string[] = [];

  constructor(idle: boolean) {
    this.idle = idle;
  }
}

const READ_BUFFER = new Uint8Array(64 * 1024);

/** Connects one client and sends its first write; resolves once connected. */
function open(run: Run, host: string, port: number): Promise<boolean> {
  const client = new Client(run);
  run.clients.push(client);
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port,
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (n: number, buf: Uint8Array) => {
          client.parser.feed(buf, 0, n, client);
          return true;
        },
      },
    });
    client.socket = socket;
    socket.on("connect", () => {
      client.sent = performance.now();
      socket.write(client.player.start());
      resolve(true);
    });
    socket.on("error", (error: Error) => {
      run.socketErrors++;
      if (run.errorSamples.length < 5) run.errorSamples.push(error.message);
      resolve(false);
    });
    socket.on("close", () => {
      if (!run.stopping) run.closedEarly++;
    });
  });
}

/** Opens `n` connections, at most `parallel` connecting at a time. */
async function openAll(
  run: Run,
  host: string,
  port: number,
  n: number,
  deadline: number,
): Promise<number> {
  let next = 0, connected = 0;
  const parallel = Math.min(n, 200);
  const lane = async () => {
    while (next < n && performance.now() < deadline) {
      next++;
      if (await open(run, host, port)) connected++;
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return connected;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `connected` clients have had a reply, or until `deadline`; returns how many have. */
async function allAnswered(run: Run, connected: number, deadline: number): Promise<number> {
  let answered = 0;
  while (performance.now() < deadline) {
    answered = run.clients.filter((c) => c.replied).length;
    if (answered >= connected) break;
    await sleep(5);
  }
  return answered;
}

function emit(result: object): Promise<void> {
  return new Promise((resolve) =>
    process.stdout.write(JSON.stringify(result) + "\n", () => resolve())
  );
}

function violationsJson(run: Run) {
  const s = run.stats;
  return {
    total: s.violations(),
    notInteger: s.notInteger,
    errorReply: s.errorReply,
    outOfRange: s.outOfRange,
    repeated: s.repeated,
    unsolicited: s.unsolicited,
    samples: s.samples,
  };
}

function shutdown(run: Run): void {
  run.stopping = true;
  for (const client of run.clients) client.socket?.destroy();
}

/** Plays games on `connections` clients; prints the measured window's figures. */
async function throughput(host: string, port: number, options: Options): Promise<number> {
  const run = new Run(false);
  const started = performance.now();
  const connected = await openAll(run, host, port, options.connections, started + 30_000);
  const connectMs = performance.now() - started;
  // Warm up only once the server has answered every connection: a connection
  // still waiting in the listen queue would otherwise be timed as one very
  // slow round trip, which measures the connect storm, not serving.
  const answered = await allAnswered(run, connected, performance.now() + 30_000);
  const readyMs = performance.now() - started;
  await sleep(options.warmup * 1000);
  process.stdout.write('{"phase":"measuring"}\n');
  run.stats.reset();
  run.histogram.reset();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  run.measuring = true;
  await sleep(options.duration * 1000);
  run.measuring = false;
  const t1 = performance.now();
  const seconds = (t1 - t0) / 1000;
  // A round trip still unanswered at the end counts with its age so far: a
  // stalled connection would otherwise never show in the latencies.
  let unanswered = 0;
  for (const client of run.clients) {
    if (client.player.awaiting && client.socket !== null && !client.socket.destroyed) {
      run.histogram.record((t1 - client.sent) * 1000);
      unanswered++;
    }
  }
  const cpu = process.cpuUsage(cpu0);
  const s = run.stats;
  const h = run.histogram;
  shutdown(run);
  await emit({
    mode: "throughput",
    host,
    port,
    connections: options.connections,
    connected,
    connectMs: Math.round(connectMs),
    readyMs: Math.round(readyMs),
    answered,
    unanswered,
    seconds,
    roundTrips: s.roundTrips,
    games: s.games,
    roundTripsPerS: s.roundTrips / seconds,
    gamesPerS: s.games / seconds,
    p50Us: h.percentile(50),
    p99Us: h.percentile(99),
    maxUs: h.max,
    violations: violationsJson(run),
    socketErrors: run.socketErrors,
    closedEarly: run.closedEarly,
    errorSamples: run.errorSamples,
    cpu: {
      userMs: cpu.user / 1000,
      systemMs: cpu.system / 1000,
      percent: (cpu.user + cpu.system) / 10_000 / seconds,
    },
    histogram: h.toJSON(),
  });
  return connected > 0 ? 0 : 1;
}

/**
 * Opens `idle` connections, each playing one round trip (so the server has
 * accepted it and holds a game), then holds them without traffic. Prints a
 * `ready` JSON line, and closes on a line or EOF on stdin, or after `hold` s.
 */
async function idle(host: string, port: number, options: Options): Promise<number> {
  const run = new Run(true);
  const started = performance.now();
  const connected = await openAll(run, host, port, options.idle, started + 60_000);
  const answered = await allAnswered(run, connected, performance.now() + 30_000);
  await emit({
    mode: "idle",
    ready: true,
    requested: options.idle,
    connected,
    answered,
    connectMs: Math.round(performance.now() - started),
    violations: violationsJson(run),
    socketErrors: run.socketErrors,
    closedEarly: run.closedEarly,
    errorSamples: run.errorSamples,
  });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, options.hold * 1000);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    process.stdin.once("data", done);
    process.stdin.once("end", done);
  });
  process.stdin.pause();
  shutdown(run);
  return 0;
}

interface Options {
  connections: number;
  duration: number;
  warmup: number;
  idle: number;
  hold: number;
}

const HELP = `usage: node bench/load.ts --port P [options]
  --host H           server address (default 127.0.0.1)
  --port P           server port (required)
  --connections N    concurrent clients (default 50)
  --duration S       measured seconds (default 5)
  --warmup S         seconds of play before measuring (default 1)
  --idle N           footprint mode: hold N connections open after one round trip each
  --hold S           idle mode: close after S seconds if stdin says nothing (default 120)
Prints {"phase":"measuring"} when the measured window opens, then one JSON result
(idle mode: one JSON line once the connections are held).`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string" },
      connections: { type: "string", default: "50" },
      duration: { type: "string", default: "5" },
      warmup: { type: "string", default: "1" },
      idle: { type: "string", default: "0" },
      hold: { type: "string", default: "120" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help || values.port === undefined) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const options: Options = {
    connections: Number(values.connections),
    duration: Number(values.duration),
    warmup: Number(values.warmup),
    idle: Number(values.idle),
    hold: Number(values.hold),
  };
  const port = Number(values.port);
  return options.idle > 0
    ? await idle(values.host, port, options)
    : await throughput(values.host, port, options);
}

if (import.meta.main) {
  main().then((code) => process.exit(code), (error) => {
    console.error(error);
    process.exit(1);
  });
}
