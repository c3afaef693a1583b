/**
 * The benchmark's runner: for each concurrency, run and server it starts a fresh
 * server (or uses a `--target`), drives it with the C load generator
 * (bench/load.c, built with `cc`) in separate processes, samples the server's
 * RSS and CPU time from /proc, and stops it; then per server it holds idle
 * connections (footprint), opens many at once (burst), and times a good player
 * beside peers that flood it (bench/flood.ts). TLS servers (`tls-*`, `bare-tls-*`)
 * play over TLS with a certificate made for the run by `openssl`, and their
 * handshakes are timed too. WebSocket servers (`ws-*`: our server.ts with
 * `--web 0`) are measured on their web port, the generator speaking
 * WebSocket, at their own concurrency, and in no other mode. Prints, or writes
 * with an SVG chart beside it, a Markdown report of medians over runs. Without
 * `cc` it stops at once with one line. Usage: `node bench/run.ts --help`.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { availableParallelism, release, totalmem } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  type Address,
  type Child,
  type Command,
  DENO_ENV,
  DENO_ENV_ASSIGNMENTS,
  listening,
  start,
} from "../_cli/child.ts";
import { makeCertificates, opensslSkip, type Pair } from "../tests/_tls.ts";
import { buildC } from "./build_c.ts";
import { chart, stack } from "./chart.ts";
import { flood } from "./flood.ts";
import type {
  Burst,
  ClientKind,
  ClientRow,
  Flood,
  Footprint,
  HistogramJson,
  Measurement,
} from "./report.ts";
import { median, percentile, report, type Results, type Row } from "./report.ts";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const [NODE, DENO, BUN] = ["node", "deno", "bun"].map((name) =>
  join(ROOT, "node_modules/.bin", name)
);
const REFERENCE = "reference-async";
/** The servers that are our server.ts, over TCP or WebSocket. */
const OURS = ["deno", "deno-plain", "bun", "node", "ws-deno", "ws-bun", "ws-node"];
/** Deno's variables left out: how every program starts but the `deno` and `bare-deno` servers. */
const PLAIN: Command["env"] = Object.fromEntries(Object.keys(DENO_ENV).map((k) => [k, undefined]));
/** Raises the soft open-file limit to the hard one, in `sh -c`. */
const RAISE = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null';
const CLOCK_TICKS = 100;

const HELP = `usage: node_modules/.bin/node bench/run.ts [options]
  --servers LIST      comma-separated, from: deno (our server.ts on Deno, started with
                      ${DENO_ENV_ASSIGNMENTS} as the README says), deno-plain (without
                      it), bun, node, reference-async, reference-threaded (the Python reference),
                      ceiling (bench/ceiling.c: the generator's ceiling), bare-deno (with the
                      variable), bare-deno-plain, bare-bun, bare-node (bench/bare_server.ts: each
                      runtime's floor) (default: all but bare-deno-plain); over TLS, with a
                      certificate made for the run: tls-deno, tls-bun, tls-node (our server.ts
                      with --tls-cert), bare-tls-deno (Deno.listenTls), bare-tls-deno-node
                      (node:tls on Deno, as our server's TLS on Deno), bare-tls-bun, bare-tls-node;
                      over WebSocket: ws-deno, ws-bun, ws-node (our server.ts with --web 0, started
                      as deno, bun and node are, played on its web port's /ws; throughput only:
                      no footprint, burst, flood or handshakes)
  --target HOST:PORT  also measure an already running server (repeatable; no RSS, CPU, footprint)
  --concurrency LIST  connections per measurement (default 1,50,1000; '' for none)
  --tls-concurrency LIST  the same for the TLS servers (default 50,1000)
  --ws-concurrency LIST   the same for the WebSocket servers (default 50)
  --duration S        measured seconds per measurement (default 5)
  --warmup S          seconds of play before measuring (default 1)
  --runs N            runs; figures are medians (default 3)
  --load-procs N      load generator processes per measurement, sharing the connections (default 1)
  --spin US           the generator polls this long for replies before sleeping, yielding the CPU
                      between polls (default 20); 0 sleeps at once: the least generator CPU, but
                      waking it costs the server CPU (5-8% fewer round trips here)
  --workers N         pass --workers N to our servers
  --footprint N       idle connections held to measure memory; 0 skips it (default 10000)
  --burst N           connections opened at once, each asking one NUMBER, timed until the last
                      reply; 0 skips it (default 3000)
  --flood N           peers that each send PARAMS and 2 MiB of NUMBER lines and never read, beside
                      a player who plays 20 games of 1..100 (then 5 once they leave), on our servers
                      and their floors; 0 skips it (default 64)
  --flood-runs N      runs of the flood mode (default 3)
  --handshakes N      on the TLS servers: N connections, each closing after its first reply and
                      opening anew, so that every round trip is a full TLS handshake; 0 skips it
                      (default 50)
  --clients LIST      the client benchmark's runtimes, from deno, bun, node ('' for none;
                      default all): on each, bench/client_load.ts plays against a fresh
                      bench/ceiling.c with connect(), new Client over the runtime's stream
                      pair, and the runtime's client floor
  --client-concurrency LIST  connections in the client's one process (default 1,50)
  --client-runs N     runs of the client benchmark (default 3)
  --write FILE        write the report to FILE, not stdout, and the chart beside it (.md -> .svg)
  --help              this text
The load generator is bench/load.c, built with cc into bench/out/load (rebuilt when load.c is
newer); without cc the benchmark stops. Progress goes to stderr.`;

/** Where a server listens, and whether it speaks TLS, or WebSocket (there: its web port). */
type Target = { host: string; port: number; tls?: boolean; websocket?: boolean };
/**
 * How to start one server (with `env` over our environment), or where to
 * find it; `websocket`: it is played on the web port it prints.
 */
type Spec = {
  name: string;
  command?: string[];
  env?: Command["env"];
  target?: Target;
  tls?: boolean;
  websocket?: boolean;
};
/** A started (or external) server. */
type Server = Target & { proc?: Proc; pid?: number };
/** What every mode of the generator prints (burst mode adds `seconds`). */
type Checks =
  & Record<"requested" | "connected" | "answered" | "socketErrors" | "closedEarly", number>
  & { violations: { total: number; samples: string[] }; errorSamples: string[] };
/** What the throughput mode prints. */
type LoadResult = Checks & Record<"seconds" | "roundTrips" | "games" | "cpuPercent", number> & {
  histogram: HistogramJson;
};
type Proc = Awaited<ReturnType<typeof launch>>;
type Options = Results["options"];

const log = (text: string) => process.stderr.write(text + "\n");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The load generator's command: bench/out/load and its `--spin`; `main` sets it. */
let generator: string[] = [];
/** Per server name, the processes whose memory and CPU are measured, for the report. */
const measured = new Map<string, string>();

/**
 * Starts `command` with the soft open-file limit raised to the hard one (the
 * pid is the command's), with `env` over our environment (by default without
 * Deno's variables). Keeps its first stderr lines.
 */
async function launch(command: string[], env = PLAIN, stdin: "ignore" | "pipe" = "ignore") {
  const args = ["-c", `${RAISE}; exec "$@"`, "sh", ...command];
  const child = await start({ command: "/bin/sh", args, env, cwd: ROOT, stdin });
  const stderr: string[] = [];
  child.onStderr((text) => {
    // deno-lint-ignore no-control-regex
    const clean = text.replace(/\x1b\[[0-9;]*m/g, "").split("\n").map((l) => l.trim());
    stderr.push(...clean.filter(Boolean).slice(0, Math.max(0, 6 - stderr.length)));
  });
  return { child, stderr };
}

/** The flood mode's player: its games beside the flooders and after, and its time bounds. */
const FLOOD = { floodBytes: 2 * 2 ** 20, games: 20, afterGames: 5, limitMs: 10_000 };
/** The servers the flood mode measures: ours and their floors. */
const FLOODED = new Set(["deno", "bun", "node", "bare-deno", "bare-bun", "bare-node"]);

/** Starts the load generator with `args`; `next(ms)` is its next stdout line, as JSON. */
async function generate(args: string[], stdin: "ignore" | "pipe" = "ignore") {
  const { child, stderr } = await launch([...generator, ...args], PLAIN, stdin);
  let out = "", ended = false, wake = () => {};
  child.onStdout((text) => (out += text, wake()));
  child.exited.then(() => (ended = true, wake()));
  const next = async <T>(ms: number): Promise<T> => {
    let late = false;
    const timer = setTimeout(() => (late = true, wake()), ms);
    while (!out.includes("\n") && !ended && !late) await new Promise<void>((go) => wake = go);
    clearTimeout(timer);
    const end = out.indexOf("\n");
    if (end === -1) {
      child.kill("SIGKILL");
      throw new Error(`the load generator gave no result: ${stderr.join(" | ")}`);
    }
    const line = out.slice(0, end);
    out = out.slice(end + 1);
    return JSON.parse(line);
  };
  return { child, next };
}

/** The pid and its descendants, from /proc/PID/task/TID/children. */
function processTree(pid: number | undefined): number[] {
  const all = pid ? [pid] : [];
  for (let i = 0; i < all.length; i++) {
    try {
      for (const task of readdirSync(`/proc/${all[i]}/task`)) {
        const text = readFileSync(`/proc/${all[i]}/task/${task}/children`, "utf8").trim();
        if (text) all.push(...text.split(" ").map(Number));
      }
    } catch { /* exited */ }
  }
  return all;
}

/** Summed over a process tree: VmRSS and VmHWM in kB, CPU ticks (utime + stime); NaN: no pid. */
function usage(pid: number | undefined) {
  const sum = { rssKb: pid ? 0 : NaN, hwmKb: pid ? 0 : NaN, ticks: pid ? 0 : NaN };
  for (const p of processTree(pid)) {
    try {
      const status = readFileSync(`/proc/${p}/status`, "utf8");
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      sum.rssKb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      sum.hwmKb += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      sum.ticks += Number(fields[11]) + Number(fields[12]);
    } catch { /* exited */ }
  }
  return sum;
}

/** The server's CPU ticks so far, the machine's busy ticks (all but idle and iowait), and when. */
function ticks(pid: number | undefined) {
  const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
  const machine = cpu.slice(1, 9).reduce((a, b) => a + b, 0) - cpu[4] - cpu[5];
  return { server: usage(pid).ticks, machine, at: performance.now() };
}

/** The address in a `Web page on http://HOST:PORT/` line (https too), or `undefined`. */
function parseWebPage(line: string): Address | undefined {
  const match = /^Web page on https?:\/\/(\[[^\]]+\]|[^/:]+):(\d+)\/$/.exec(line.trim());
  return match
    ? { hostname: match[1].replace(/^\[(.*)\]$/, "$1"), port: Number(match[2]) }
    : undefined;
}

/**
 * Reads a server's standard output up to its `Listening on HOST:PORT` line,
 * and with `web` on to its `Web page on http://HOST:PORT/` line (printed
 * after it): the address to play on, the web port's with `web`.
 */
async function serving(child: Child, web: boolean, timeout = 20_000): Promise<Address> {
  let rest = "", wake = () => {};
  const tcp = await listening(child, { timeout, rest: (text) => (rest += text, wake()) });
  if (!web) return tcp;
  let late = false;
  const timer = setTimeout(() => (late = true, wake()), timeout);
  child.exited.then(() => wake());
  try {
    while (true) {
      const address = rest.split("\n").slice(0, -1).map(parseWebPage).find(Boolean);
      if (address) return address;
      if (late || !child.running) throw new Error('no "Web page on" line');
      await new Promise<void>((go) => wake = go);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Starts a server (unless it is a `--target`), runs `task` against it, and stops it. */
async function withServer<T>(spec: Spec, task: (server: Server) => Promise<T>): Promise<T> {
  if (!spec.command) return await task(spec.target!);
  const proc = await launch(spec.command, spec.env);
  try {
    const said = spec.websocket ? `"listening on" and "web page on"` : `"listening on"`;
    const { hostname: host, port } = await serving(proc.child, !!spec.websocket).catch(() => {
      throw new Error(`${spec.name} did not print ${said}: ${proc.stderr.join(" | ")}`);
    });
    const pid = proc.child.pid;
    const tree = processTree(pid).length - 1;
    const exe = `${readlinkSync(`/proc/${pid}/exe`)}${tree ? ` (+${tree} child processes)` : ""}`;
    measured.set(spec.name, `pid ${pid} = ${exe}`);
    const local = ["0.0.0.0", "::", "[::]"].includes(host) ? "127.0.0.1" : host;
    const { tls, websocket } = spec;
    return await task({ host: local, port, tls, websocket, proc, pid });
  } finally {
    await proc.child.stop("SIGTERM", { timeout: 3000 });
  }
}

/** The generator's address arguments, `--tls 1` for a TLS server, `--websocket 1` for a ws one. */
const at = (server: Server) =>
  ["--host", server.host, "--port", String(server.port)]
    .concat(server.tls ? ["--tls", "1"] : [], server.websocket ? ["--websocket", "1"] : []);

/** Plays games with one load process; calls `mark` as its measured window opens and closes. */
async function play(args: string[], ms: number, mark = (_: "start" | "end") => {}) {
  const load = await generate(args);
  await load.next(ms); // {"phase":"measuring"}
  mark("start");
  const result = await load.next<LoadResult>(ms);
  mark("end");
  await load.child.exited;
  return result;
}

/** Half a second of play on one connection, before the footprint or the burst. */
const warm = (server: Server) =>
  play([...at(server), "--connections", "1", "--duration", "0.5", "--warmup", "0"], 30_000);

/** What went wrong in one run of the generator, in a few words, or "". */
const trouble = ({ violations: v, socketErrors, errorSamples }: Checks) =>
  [
    v.total ? `${v.total} violations (${v.samples[0]})` : "",
    socketErrors ? `${socketErrors} socket errors (${errorSamples[0]})` : "",
  ].filter(Boolean).join("; ");

/**
 * Drives one server at one concurrency; all load processes together, each
 * with `extra` arguments (`--reconnect 1` for handshakes).
 */
function measure(
  spec: Spec,
  connections: number,
  options: Options,
  extra: string[] = [],
): Promise<Measurement> {
  return withServer(spec, async (server) => {
    let peakRss = 0;
    const sampler = setInterval(() => peakRss = Math.max(peakRss, usage(server.pid).rssKb), 100);
    try {
      const { duration, warmup, loadProcs } = options;
      const procs = Math.max(1, Math.min(loadProcs, connections));
      const share = (i: number) =>
        Math.floor(connections / procs) + (i < connections % procs ? 1 : 0);
      const marks: Partial<Record<"start" | "end", ReturnType<typeof ticks>>> = {};
      const mark = (phase: "start" | "end") => marks[phase] ??= ticks(server.pid);
      const args = (i: number) => [...at(server), "--connections", String(share(i)), ...extra];
      const timing = ["--duration", String(duration), "--warmup", String(warmup)];
      const results = await Promise.all(
        Array.from(
          { length: procs },
          (_, i) => play([...args(i), ...timing], (warmup + duration + 60) * 1000, mark),
        ),
      );
      const { start, end } = marks as Required<typeof marks>;
      const window = (end.at - start.at) / 1000;
      const cores = (end.server - start.server) / CLOCK_TICKS / window;
      const sum = (f: (r: LoadResult) => number) => results.reduce((a, r) => a + f(r), 0);
      const seconds = Math.max(...results.map((r) => r.seconds));
      const roundTripsPerS = sum((r) => r.roundTrips) / seconds;
      const histograms = results.map((r) => r.histogram);
      const busy = (end.machine - start.machine) / CLOCK_TICKS / window * 100;
      const died = server.proc?.child.running === false;
      return {
        roundTripsPerS,
        gamesPerS: sum((r) => r.games) / seconds,
        p50Us: percentile(histograms, 50),
        p99Us: percentile(histograms, 99),
        peakRssKb: Math.max(peakRss, usage(server.pid).hwmKb),
        serverCpuUs: cores / roundTripsPerS * 1e6,
        loadCpuPercent: sum((r) => r.cpuPercent),
        serverCpuPercent: cores * 100,
        otherCpuPercent: Math.max(0, busy - (cores * 100 || 0) - sum((r) => r.cpuPercent)),
        connected: sum((r) => r.connected),
        violations: sum((r) => r.violations.total),
        socketErrors: sum((r) => r.socketErrors),
        closedEarly: sum((r) => r.closedEarly),
        notes: results.flatMap((r) => [...r.violations.samples, ...r.errorSamples])
          .concat(died ? [`server exited: ${server.proc!.stderr.join(" | ")}`] : []),
      };
    } finally {
      clearInterval(sampler);
    }
  });
}

/** Footprint of one server: RSS before and while holding `n` idle connections. */
function footprint(spec: Spec, n: number): Promise<Footprint> {
  return withServer(spec, async (server) => {
    await warm(server);
    await sleep(500);
    const beforeKb = usage(server.pid).rssKb;
    const load = await generate([...at(server), "--idle", String(n)], "pipe");
    const ready = await load.next<Checks>(120_000);
    await sleep(1000);
    const afterKb = usage(server.pid).rssKb;
    await load.child.stdin!.close(); // it lets go once its stdin ends
    await load.child.exited;
    const held = Math.min(ready.connected, ready.answered);
    const bytesPerConnection = (afterKb - beforeKb) * 1024 / held;
    const note = trouble(ready);
    return { server: spec.name, requested: n, held, beforeKb, afterKb, bytesPerConnection, note };
  });
}

/** `n` connections at once, each asking one `NUMBER`: how many are answered, and how fast. */
function burst(spec: Spec, n: number): Promise<Burst> {
  return withServer(spec, async (server) => {
    await warm(server);
    const load = await generate([...at(server), "--burst", String(n), "--hold", "10"]);
    const r = await load.next<Checks & { seconds: number }>(30_000);
    await load.child.exited;
    const { answered, seconds, violations: { total: violations } } = r;
    return { server: spec.name, requested: n, answered, seconds, violations, note: trouble(r) };
  });
}

/**
 * One server beside `flooders` flooding peers (bench/flood.ts): the player's
 * times, the server's RSS growth from just before the flood to its peak
 * (sampled every 100 ms), and whether it is still up after.
 */
function flooded(spec: Spec, flooders: number): Promise<Flood> {
  return withServer(spec, async (server) => {
    await warm(server);
    await sleep(500);
    const beforeKb = usage(server.pid).rssKb;
    let peakKb = beforeKb;
    const sample = () => peakKb = Math.max(peakKb, usage(server.pid).rssKb);
    const sampler = setInterval(sample, 100);
    try {
      const r = await flood(server.host, server.port, { flooders, ...FLOOD });
      sample();
      const alive = server.proc?.child.running !== false;
      const { finished, samples, ...figures } = r;
      const note = [
        finished ? "" : "the player did not finish every game within the time bound",
        alive ? "" : `server exited: ${server.proc!.stderr.join(" | ")}`,
      ].filter(Boolean).join("; ");
      return {
        server: spec.name,
        flooders,
        ...figures,
        growthKb: peakKb - beforeKb,
        unfinished: finished ? 0 : 1,
        died: alive ? 0 : 1,
        samples,
        note,
      };
    } finally {
      clearInterval(sampler);
    }
  });
}

/** The runtimes the client benchmark runs on, and how each runs bench/client_load.ts. */
const CLIENT_RUNTIMES: Record<string, string[]> = {
  deno: [DENO, "run", "--allow-net"],
  bun: [BUN],
  node: [NODE],
};
const CLIENT_KINDS: ClientKind[] = ["floor", "connect", "streams"];

/** Whether `taskset` can pin the client benchmark's processes: two CPUs or more, and taskset. */
const PINNING = availableParallelism() >= 2 &&
  spawnSync("taskset", ["-c", "0", "true"], { timeout: 10_000 }).status === 0;

/**
 * `command` on CPU `cpu` only, where it can be pinned. The client benchmark
 * pins, because where the scheduler puts two processes that answer each
 * other decides what one connection measures: on one CPU a round trip is
 * the two programs' work (and the client's shows), on two it is mostly the
 * wake-up of the other CPU (12,000 round trips/s here, whatever the
 * client); left to the scheduler, runs fall on either side (18,000 and
 * 83,000 round trips/s for the same floor, one run after the other).
 */
const pin = (cpu: number, command: string[]) =>
  PINNING ? ["taskset", "-c", String(cpu), ...command] : command;

/** What bench/client_load.ts prints. */
type ClientLoad = Record<"roundTrips" | "games" | "seconds" | "cpuUs" | "userUs", number>;

/**
 * One client benchmark run: bench/client_load.ts on `runtime` with `kind`'s
 * client, `connections` at once, against a fresh ceiling server.
 */
function clientRun(
  runtime: string,
  kind: ClientKind,
  connections: number,
  options: Options,
): Promise<ClientLoad> {
  const ceiling: Spec = {
    name: "ceiling",
    command: pin(0, [join(ROOT, "bench/out/ceiling"), "--port", "0"]),
  };
  return withServer(ceiling, async (server) => {
    const { child, stderr } = await launch([
      ...pin(connections === 1 ? 0 : 1, CLIENT_RUNTIMES[runtime]),
      join(ROOT, "bench/client_load.ts"),
      ...at(server),
      ...["--client", kind, "--connections", String(connections)],
      ...["--duration", String(options.duration), "--warmup", String(options.warmup)],
    ]);
    let out = "";
    child.onStdout((text) => out += text);
    const limit = (options.duration + options.warmup + 60) * 1000;
    const timer = setTimeout(() => child.kill("SIGKILL"), limit);
    const code = await child.exited.finally(() => clearTimeout(timer));
    const last = out.trim().split("\n").at(-1) ?? "";
    if (code !== 0 || !last.startsWith("{")) {
      throw new Error(`client_load exited ${code}: ${stderr.join(" | ") || last}`);
    }
    return JSON.parse(last);
  });
}

function version(command: string[]): string {
  const result = spawnSync(command[0], command.slice(1), { encoding: "utf8", timeout: 10_000 });
  return (result.stdout || result.stderr || "?").split("\n")[0].trim();
}

/** The certificate and key files the TLS servers use, made for this run. */
type TlsFiles = Pick<Pair, "certFile" | "keyFile">;

function specs(
  names: string[],
  targets: string[],
  workers: string | undefined,
  tls: TlsFiles | string,
) {
  const ours = [join(ROOT, "server.ts"), "--port", "0", "--quiet"];
  if (workers) ours.push("--workers", workers);
  // More than one Deno worker shares the port with reusePort (unstable) and spawns processes.
  const deno = [DENO, "run", ...(workers ? ["-A", "--unstable-net"] : ["--allow-net"])];
  const bare = ["bench/bare_server.ts", "--port", "0"];
  const reference = (kind: string) => ["python3", "tests/reference_port0.py", kind, "--quiet"];
  const pem = typeof tls === "string" ? [] : ["--tls-cert", tls.certFile, "--tls-key", tls.keyFile];
  const bareTls = [...bare, ...pem];
  const web = ["--web", "0"];
  const known: Record<string, Omit<Spec, "name">> = {
    deno: { command: [...deno, ...ours], env: DENO_ENV },
    "deno-plain": { command: [...deno, ...ours] },
    bun: { command: [BUN, ...ours] },
    node: { command: [NODE, ...ours] },
    "reference-async": { command: reference("async-server") },
    "reference-threaded": { command: reference("threaded-server") },
    ceiling: { command: [join(ROOT, "bench/out/ceiling"), "--port", "0"] },
    "bare-deno": { command: [DENO, "run", "--allow-net", ...bare], env: DENO_ENV },
    "bare-deno-plain": { command: [DENO, "run", "--allow-net", ...bare] },
    "bare-bun": { command: [BUN, ...bare] },
    "bare-node": { command: [NODE, ...bare] },
    "tls-deno": { command: [...deno, "--allow-read", ...ours, ...pem], env: DENO_ENV, tls: true },
    "tls-bun": { command: [BUN, ...ours, ...pem], tls: true },
    "tls-node": { command: [NODE, ...ours, ...pem], tls: true },
    "bare-tls-deno": { command: [DENO, "run", "-A", ...bareTls], env: DENO_ENV, tls: true },
    "bare-tls-deno-node": {
      command: [DENO, "run", "-A", ...bareTls, "--node-api"],
      env: DENO_ENV,
      tls: true,
    },
    "bare-tls-bun": { command: [BUN, ...bareTls], tls: true },
    "bare-tls-node": { command: [NODE, ...bareTls], tls: true },
    "ws-deno": { command: [...deno, ...ours, ...web], env: DENO_ENV, websocket: true },
    "ws-bun": { command: [BUN, ...ours, ...web], websocket: true },
    "ws-node": { command: [NODE, ...ours, ...web], websocket: true },
  };
  const notes: string[] = [];
  const list: Spec[] = [];
  for (const name of names) {
    if (!(name in known)) throw new Error(`unknown server ${name}; see --help`);
    const build = name === "ceiling" ? buildC("ceiling") : undefined;
    if (build && !build.ok) notes.push(`ceiling: skipped, ${build.error}`);
    else if (known[name].tls && typeof tls === "string") notes.push(`${name}: skipped, ${tls}`);
    else if (OURS.includes(name) && !existsSync(ours[0])) {
      notes.push(`${name}: skipped, server.ts does not exist yet`);
    } else list.push({ name, ...known[name] });
  }
  for (const target of targets) {
    const [, host, port] = /^(.+):(\d+)$/.exec(target) ?? [];
    if (!host) throw new Error(`--target wants host:port, got ${target}`);
    list.push({ name: `target ${target}`, target: { host, port: Number(port) } });
  }
  return { servers: list, notes };
}

/** One server's measurements at `connections`, as a report's row. */
function rowOf(
  result: { spec: Spec; all: Measurement[]; runOf: number[]; summary: Measurement },
  connections: number,
): Row {
  const { spec, all, runOf, summary } = result;
  const [perRun, cpuPerRun] = [all.map((m) => m.roundTripsPerS), all.map((m) => m.serverCpuUs)];
  return { server: spec.name, connections, perRun, cpuPerRun, runOf, ...summary };
}

const SUMMED = new Set(["violations", "socketErrors", "closedEarly", "unfinished", "died"]);
const LEAST = new Set(["connected", "held", "answered", "games", "afterGames"]);
const MOST = new Set(["worstGameMs", "afterWorstGameMs", "growthKb"]);

/**
 * Runs in one: counts summed, connections and games the least, worst cases
 * the worst, notes merged, texts the first; else medians.
 */
function summarize<T extends object>(runs: T[]): T {
  const out = { ...runs[0] } as Record<string, unknown>;
  for (const [key, first] of Object.entries(runs[0])) {
    const all = runs.map((run) => (run as Record<string, unknown>)[key]);
    const numbers = all as number[];
    if (typeof first === "number") {
      const sum = numbers.reduce((a, b) => a + b, 0);
      out[key] = SUMMED.has(key)
        ? sum
        : LEAST.has(key)
        ? Math.min(...numbers)
        : MOST.has(key)
        ? Math.max(...numbers)
        : median(numbers);
    } else if (Array.isArray(first)) out[key] = [...new Set(all.flat())].slice(0, 3);
    else if (key !== "server") out[key] = all.find((text) => text) ?? "";
  }
  return out as T;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      servers: {
        type: "string",
        // Each runtime's floor (bench/bare_server.ts) next to our server on it.
        default: "reference-async,reference-threaded,ceiling,bare-deno,deno,deno-plain," +
          "bare-bun,bun,bare-node,node,bare-tls-deno,bare-tls-deno-node,tls-deno," +
          "bare-tls-bun,tls-bun,bare-tls-node,tls-node,ws-deno,ws-bun,ws-node",
      },
      target: { type: "string", multiple: true, default: [] },
      concurrency: { type: "string", default: "1,50,1000" },
      "tls-concurrency": { type: "string", default: "50,1000" },
      "ws-concurrency": { type: "string", default: "50" },
      duration: { type: "string", default: "5" },
      warmup: { type: "string", default: "1" },
      runs: { type: "string", default: "3" },
      "load-procs": { type: "string", default: "1" },
      spin: { type: "string", default: "20" },
      workers: { type: "string" },
      footprint: { type: "string", default: "10000" },
      burst: { type: "string", default: "3000" },
      flood: { type: "string", default: "64" },
      "flood-runs": { type: "string", default: "3" },
      handshakes: { type: "string", default: "50" },
      clients: { type: "string", default: "deno,bun,node" },
      "client-concurrency": { type: "string", default: "1,50" },
      "client-runs": { type: "string", default: "3" },
      write: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return console.log(HELP), 0;
  const build = buildC("load");
  if (!build.ok) throw new Error(build.error);
  const spin = values.spin;
  if (!(Number(spin) >= 0)) throw new Error(`--spin wants microseconds, got ${spin}`);
  generator = [build.path, "--spin", spin];
  const polls = Number(spin) > 0
    ? `polls up to ${spin} µs for replies before sleeping (--spin), so its CPU includes polling`
    : "sleeps as soon as no reply is due (--spin 0)";
  const description = `bench/load.c (one thread, epoll; ${polls}), built with ${build.compiler}`;
  log(`load generator: ${description}`);
  const names = values.servers.split(",").map((s) => s.trim()).filter(Boolean);
  const certificates = !names.some((name) => name.includes("tls"))
    ? "no TLS server was asked for"
    : !build.tls
    ? "bench/out/load was built without OpenSSL (apt-get install libssl-dev; remove bench/out/load)"
    : (await opensslSkip()) || await makeCertificates();
  if (typeof certificates !== "string") process.once("exit", () => certificates.remove());
  const tls = typeof certificates === "string" ? certificates : certificates.server;
  const { servers, notes } = specs(names, values.target, values.workers, tls);
  const runs = Number(values.runs);
  const [duration, warmup, loadProcs] = [values.duration, values.warmup, values["load-procs"]];
  const floodRuns = Number(values["flood-runs"]);
  const clientRuns = Number(values["client-runs"]);
  const options = {
    ...{ duration: +duration, warmup: +warmup, loadProcs: +loadProcs, runs, floodRuns },
    clientRuns,
  };
  /** Runs `task` for each run and server, interleaved: per server, every run and their summary. */
  const repeat = async <S extends { name: string }, T extends object>(
    what: string,
    list: S[],
    task: (s: S) => Promise<T>,
    times = runs,
  ) => {
    const results = list.map((spec) => ({
      spec,
      all: [] as T[],
      runOf: [] as number[],
      summary: {} as T,
    }));
    for (let run = 1; run <= times; run++) {
      for (const { spec, all, runOf } of results) {
        log(`${what}, run ${run}/${times}: ${spec.name}`);
        try {
          all.push(await task(spec));
          runOf.push(run);
          const figures = Object.entries(all.at(-1)!).filter(([, v]) => typeof v === "number");
          log(`  ${figures.map(([k, v]) => `${k} ${+(v as number).toPrecision(4)}`).join(", ")}`);
        } catch (error) {
          const message = (error as Error).message.slice(0, 300);
          log(`  failed: ${message}`);
          notes.push(`${spec.name}, ${what}, run ${run}: ${message}`); // failures become notes
        }
      }
    }
    const done = results.filter((r) => r.all.length > 0);
    return done.map((r) => ({ ...r, summary: summarize(r.all) }));
  };
  const rows: Row[] = [];
  const list = (text: string) => text.split(",").filter((c) => c !== "").map(Number);
  const [plainAt, tlsAt] = [list(values.concurrency), list(values["tls-concurrency"])];
  const wsAt = list(values["ws-concurrency"]);
  for (const c of [...new Set([...plainAt, ...tlsAt, ...wsAt])].sort((a, b) => a - b)) {
    const here = servers.filter((s) => (s.tls ? tlsAt : s.websocket ? wsAt : plainAt).includes(c));
    const results = await repeat(`${c} connections`, here, (s) => measure(s, c, options));
    rows.push(...results.map((result) => rowOf(result, c)));
  }
  const limits = spawnSync("/bin/sh", ["-c", `${RAISE}; ulimit -n`]);
  const openFiles = String(limits.stdout).trim();
  const capped = (n: number, what: string) => {
    if (n <= 0 || n + 100 <= Number(openFiles)) return n;
    notes.push(
      `${what}: asked for ${n} connections, but the open-file limit (after raising the soft ` +
        `limit to the hard one) is ${openFiles}; used ${Number(openFiles) - 100} instead`,
    );
    return Number(openFiles) - 100;
  };
  const handshaking = Number(values.handshakes);
  const shaken = handshaking <= 0 ? [] : await repeat(
    `TLS handshakes, ${handshaking} connections`,
    servers.filter((s) => s.tls),
    (s) => measure(s, handshaking, options, ["--reconnect", "1"]),
  );
  const handshakes = shaken.map((result) => rowOf(result, handshaking));
  // Footprint and burst measure plaintext servers: a TLS connection's cost is its handshake.
  // The WebSocket servers are measured for throughput only.
  const plaintext = servers.filter((s) => !s.tls && !s.websocket);
  const idle = capped(Number(values.footprint), "footprint");
  const footprints = idle <= 0 ? [] : await repeat(
    `footprint, ${idle} idle connections`,
    plaintext.filter((s) => !s.target),
    (s) => footprint(s, idle),
  );
  const crowd = capped(Number(values.burst), "burst");
  const bursts = crowd <= 0
    ? []
    : await repeat(`burst of ${crowd} connections`, plaintext, (s) => burst(s, crowd));
  const flooders = Number(values.flood);
  const floods = flooders <= 0 ? [] : await repeat(
    `beside ${flooders} flooding peers`,
    servers.filter((s) => !s.target && FLOODED.has(s.name)),
    (s) => flooded(s, flooders),
    floodRuns,
  );
  const clientRuntimes = values.clients.split(",").map((s) => s.trim()).filter(Boolean);
  for (const runtime of clientRuntimes) {
    if (!(runtime in CLIENT_RUNTIMES)) throw new Error(`unknown client runtime ${runtime}`);
  }
  const clientRows: ClientRow[] = [];
  const ceilingBuild = clientRuntimes.length > 0 ? buildC("ceiling") : undefined;
  if (ceilingBuild && !ceilingBuild.ok) notes.push(`clients: skipped, ${ceilingBuild.error}`);
  const clientSpecs = ceilingBuild?.ok
    ? clientRuntimes.flatMap((runtime) =>
      CLIENT_KINDS.map((kind) => ({ name: `${runtime} ${kind}`, runtime, kind }))
    )
    : [];
  for (const c of values["client-concurrency"].split(",").filter((c) => c !== "").map(Number)) {
    if (clientSpecs.length === 0) break;
    const results = await repeat(`the client, ${c} connections`, clientSpecs, async (s) => {
      const r = await clientRun(s.runtime, s.kind, c, options);
      return { roundTripsPerS: r.roundTrips / r.seconds, clientCpuUs: r.cpuUs / r.roundTrips };
    }, clientRuns);
    for (const { spec, all, runOf, summary } of results) {
      const { runtime, kind } = spec;
      clientRows.push({
        runtime,
        client: kind,
        connections: c,
        ...summary,
        perRun: all.map((r) => r.roundTripsPerS),
        cpuPerRun: all.map((r) => r.clientCpuUs),
        runOf,
      });
    }
  }
  const processes = [...measured].map(([name, what]) => `${name}: ${what}`).join("; ");
  notes.unshift(`Measured server processes (last run): ${processes}.`);
  const quote = (a: string) => /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`;
  const command = ["node_modules/.bin/node", "bench/run.ts", ...process.argv.slice(2)];
  const file = values.write && resolve(values.write);
  const svg = file && file.replace(/(\.md)?$/, ".svg");
  const markdown = report({
    machine: {
      command: command.map(quote).join(" "),
      generator: description,
      date: new Date().toISOString(),
      nproc: availableParallelism(),
      cpu: /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "?",
      kernel: release(),
      memoryGiB: totalmem() / 2 ** 30,
      openFiles,
      versions: Object.fromEntries(
        [["node", NODE], ["deno", DENO], ["bun", BUN], ["python", "python3"]]
          .map(([name, command]) => [name, version([command, "--version"])]),
      ) as Results["machine"]["versions"],
    },
    options,
    reference: REFERENCE,
    rows,
    footprints: footprints.map((r) => r.summary),
    bursts: bursts.map((r) => r.summary),
    floods: floods.map((r) => r.summary),
    handshakes,
    flood: { flooders, ...FLOOD },
    clients: clientRows,
    notes,
    chart: svg ? basename(svg) : undefined,
  });
  if (!file || !svg) return process.stdout.write(markdown), 0;
  writeFileSync(file, markdown);
  const clientBars = clientRows.map((r) => ({ ...r, server: `${r.runtime} ${r.client}` }));
  const clientTitle =
    "The client: round trips per second against bench/ceiling.c (higher is better)";
  writeFileSync(svg, stack(chart(rows), clientBars.length ? chart(clientBars, clientTitle) : ""));
  // Aligns the tables the way `deno fmt` does, so the file passes `deno fmt --check`.
  spawnSync(DENO, ["fmt", "--quiet", "--line-width", "100", file], { stdio: "ignore" });
  log(`wrote ${values.write} and ${svg}`);
  return 0;
}

if (import.meta.main) {
  main().then((code) => process.exit(code), (error) => {
    console.error(`bench/run.ts: ${(error as Error).message}`);
    process.exit(1);
  });
}
