/**
 * The benchmark's orchestrator. For each run, concurrency and server it starts
 * a fresh server (ours on Deno, Bun or Node, the Python references, the
 * bench/ceiling.c ceiling, each runtime's floor in bench/bare_server.ts, or an
 * external `--target`), drives it with the load generator in separate
 * processes (bench/load.c built into bench/out/load, or bench/load.ts on Node;
 * `--generator`), samples the server's RSS from /proc, and stops it. Then, per
 * server, it holds N idle connections to measure bytes per connection. Prints
 * (or writes) a Markdown report of medians over runs, each with its ratio to
 * the Python asyncio reference of the same invocation, and the issue's targets
 * next to each runtime's floor.
 *
 * Usage: node_modules/.bin/node bench/run.ts --help
 *
 * @module
 */

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { availableParallelism, release, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Histogram, type HistogramJson } from "./load.ts";
import { buildC, C_PROGRAMS } from "./build_c.ts";
import {
  type Footprint,
  footprintTable,
  type Machine,
  type Measurement,
  report,
  type Row,
  targetsTable,
} from "./report.ts";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const BIN = join(ROOT, "node_modules", ".bin");
const NODE = join(BIN, "node");
const REFERENCE = "reference-async";
const LISTENING = /listening on ([^\s]+):(\d+)/i;

const HELP = `usage: node_modules/.bin/node bench/run.ts [options]
  --servers LIST      comma-separated, from: deno, bun, node (our server.ts on each runtime),
                      reference-async, reference-threaded (tests/reference_port0.py),
                      ceiling (bench/ceiling.c, a minimal C server: the generator's ceiling),
                      bare-deno, bare-bun, bare-node (bench/bare_server.ts on the runtime's
                      own sockets: the most a server on that runtime can do here)
                      (default: all; ours are skipped with a note while server.ts is missing)
  --target HOST:PORT  also measure an already running server (repeatable; no RSS)
  --concurrency LIST  connections per measurement (default 1,50,1000)
  --duration S        measured seconds per measurement (default 5)
  --warmup S          seconds of play before measuring (default 1)
  --runs N            runs; figures are medians (default 3)
  --load-procs N      load generator processes per measurement, sharing the connections (default 1)
  --generator c|node  the load generator: c = bench/load.c, compiled with cc into bench/out/load
                      (rebuilt when load.c is newer), node = bench/load.ts on Node; both check
                      replies the same way and print the same JSON (default: c if cc builds it,
                      else node; the report says which)
  --spin US           C generator: poll this long for replies before sleeping, yielding the CPU
                      between polls (default 20); 0 sleeps at once, for the least generator CPU,
                      but then waking it costs the server CPU (5-8% fewer round trips here)
  --workers N         pass --workers N to our servers
  --footprint N       idle connections for the footprint mode; 0 skips it (default 10000)
  --write FILE        write the Markdown report to FILE instead of stdout (e.g. bench/RESULTS.md)
  --help              this text
Progress goes to stderr.`;

/** How to start one server, or where to find it. */
interface Spec {
  name: string;
  command?: string[];
  target?: { host: string; port: number };
}

/** A started (or external) server. */
interface Server {
  host: string;
  port: number;
  child?: ChildProcess;
  pid?: number;
  stderr: string[];
}

/** One load process's JSON. */
interface LoadResult {
  connected: number;
  roundTrips: number;
  games: number;
  seconds: number;
  p50Us: number;
  p99Us: number;
  violations: { total: number; samples: string[] };
  socketErrors: number;
  closedEarly: number;
  errorSamples: string[];
  cpu: { userMs: number; systemMs: number; percent: number };
  histogram: HistogramJson;
}

const log = (text: string) => process.stderr.write(text + "\n");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Spawns `command` with the soft open-file limit raised to the hard one; the pid is the command's. */
function spawnRaised(command: string[], stdin: "ignore" | "pipe" = "ignore"): ChildProcess {
  const raise = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"';
  return spawn("/bin/sh", ["-c", raise, "sh", ...command], {
    cwd: ROOT,
    stdio: [stdin, "pipe", "pipe"],
  });
}

/** Collects a child's stdout lines; `next` waits for the next one. */
function lines(child: ChildProcess) {
  const queue: string[] = [];
  const waiters: ((line: string | null) => void)[] = [];
  let rest = "";
  let ended = false;
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (text: string) => {
    const parts = (rest + text).split("\n");
    rest = parts.pop()!;
    for (const line of parts) (waiters.shift() ?? ((l: string) => queue.push(l)))(line);
  });
  child.stdout!.on("end", () => {
    ended = true;
    for (const waiter of waiters.splice(0)) waiter(null);
  });
  return {
    next(timeoutMs: number): Promise<string | null> {
      if (queue.length > 0) return Promise.resolve(queue.shift()!);
      if (ended) return Promise.resolve(null);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(done), 1);
          resolve(null);
        }, timeoutMs);
        const done = (line: string | null) => {
          clearTimeout(timer);
          resolve(line);
        };
        waiters.push(done);
      });
    },
  };
}

/** Keeps a child's first few stderr lines (where the error usually is), without colours. */
function stderrHead(child: ChildProcess, into: string[]): void {
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (text: string) => {
    // deno-lint-ignore no-control-regex
    const clean = text.replace(/\x1b\[[0-9;]*m/g, "").split("\n").map((l) => l.trim());
    into.push(...clean.filter((l) => l !== "").slice(0, 6 - into.length));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** The load generator's command, less per-measurement flags; `main` sets it from `--generator`. */
let loadCommand: string[] = [NODE, "bench/load.ts"];

/** Per server name, the processes whose memory and CPU are measured, for the report. */
const measured = new Map<string, string>();

/** The executable of a process and of its descendants, from /proc/PID/exe. */
function describe(pid: number): string {
  const exe = (p: number) => {
    try {
      return readlinkSync(`/proc/${p}/exe`);
    } catch {
      return "?";
    }
  };
  const tree = processTree(pid);
  const children = tree.length > 1 ? ` (+${tree.length - 1} child processes)` : "";
  return `pid ${pid} = ${exe(pid)}${children}`;
}

async function startServer(spec: Spec): Promise<Server> {
  if (spec.target) return { ...spec.target, stderr: [] };
  const child = spawnRaised(spec.command!);
  const stderr: string[] = [];
  stderrHead(child, stderr);
  const out = lines(child);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const line = await out.next(deadline - Date.now());
    if (line === null) break;
    const match = LISTENING.exec(line);
    if (match) {
      const host = ["0.0.0.0", "::", "[::]"].includes(match[1]) ? "127.0.0.1" : match[1];
      out.next(1e9).then(function drain(l): unknown {
        return l === null ? null : out.next(1e9).then(drain);
      });
      const pid = child.pid!;
      measured.set(spec.name, describe(pid));
      return { host, port: Number(match[2]), child, pid, stderr };
    }
  }
  child.kill("SIGKILL");
  throw new Error(`${spec.name} did not print "listening on": ${stderr.join(" | ")}`);
}

async function stopServer(server: Server): Promise<void> {
  const child = server.child;
  if (!child) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited(child);
  clearTimeout(timer);
}

/** The pid and its descendants, from /proc/PID/task/TID/children. */
function processTree(pid: number): number[] {
  const all = [pid];
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

/** VmRSS and VmHWM in kB, summed over the process tree (one process unless it forks). */
export function memory(pid: number): { rssKb: number; hwmKb: number; processes: number } {
  let rssKb = 0, hwmKb = 0, processes = 0;
  for (const p of processTree(pid)) {
    try {
      const status = readFileSync(`/proc/${p}/status`, "utf8");
      rssKb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      hwmKb += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      processes++;
    } catch { /* exited */ }
  }
  return { rssKb, hwmKb, processes };
}

/** Runs one load process to completion and parses its JSON; calls `mark` as its window opens and closes. */
async function runLoad(
  args: string[],
  timeoutMs: number,
  mark: (phase: "start" | "end") => void = () => {},
): Promise<LoadResult> {
  const child = spawnRaised([...loadCommand, ...args]);
  const stderr: string[] = [];
  stderrHead(child, stderr);
  const out = lines(child);
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  let line = await out.next(timeoutMs);
  if (line?.startsWith('{"phase"')) {
    mark("start");
    line = await out.next(timeoutMs);
    mark("end");
  }
  await exited(child);
  clearTimeout(timer);
  if (line === null) throw new Error(`load generator gave no result: ${stderr.join(" | ")}`);
  return JSON.parse(line);
}

/** CPU clock ticks used so far by a process tree (utime + stime), and by the whole machine. */
function ticks(pid: number | undefined): { process: number; machine: number; at: number } {
  let process = 0;
  for (const p of pid ? processTree(pid) : []) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      process += Number(fields[11]) + Number(fields[12]);
    } catch { /* exited */ }
  }
  const first = readFileSync("/proc/stat", "utf8").split("\n")[0];
  const cpu = first.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy is all but idle and iowait
  const machine = cpu.slice(0, 8).reduce((a, b) => a + b, 0) - cpu[3] - cpu[4];
  return { process, machine, at: performance.now() };
}

const CLOCK_TICKS = 100;

interface Options {
  duration: number;
  warmup: number;
  loadProcs: number;
}

/** Drives one server at one concurrency; all load processes together. */
async function measure(spec: Spec, connections: number, options: Options): Promise<Measurement> {
  const server = await startServer(spec);
  let peakRss = 0;
  const sampler = setInterval(() => {
    if (server.pid) peakRss = Math.max(peakRss, memory(server.pid).rssKb);
  }, 100);
  try {
    const procs = Math.max(1, Math.min(options.loadProcs, connections));
    const share = (i: number) =>
      Math.floor(connections / procs) + (i < connections % procs ? 1 : 0);
    const timeout = (options.warmup + options.duration + 60) * 1000;
    const args = (i: number) => [
      ...["--host", server.host, "--port", String(server.port)],
      ...["--connections", String(share(i)), "--duration", String(options.duration)],
      ...["--warmup", String(options.warmup)],
    ];
    const marks: Partial<Record<"start" | "end", ReturnType<typeof ticks>>> = {};
    const mark = (phase: "start" | "end") => marks[phase] ??= ticks(server.pid);
    const results = await Promise.all(
      Array.from({ length: procs }, (_, i) => runLoad(args(i), timeout, mark)),
    );
    const peak = server.pid ? Math.max(peakRss, memory(server.pid).hwmKb) : NaN;
    const m = combine(results, peak, server);
    const { start, end } = marks;
    if (start && end) {
      const seconds = (end.at - start.at) / 1000;
      const percent = (t: number) => t / CLOCK_TICKS / seconds * 100;
      m.serverCpuPercent = server.pid ? percent(end.process - start.process) : NaN;
      const rest = percent(end.machine - start.machine) - (m.serverCpuPercent || 0) -
        m.loadCpuPercent;
      m.otherCpuPercent = Math.max(0, rest);
    }
    return m;
  } finally {
    clearInterval(sampler);
    await stopServer(server);
  }
}

function combine(results: LoadResult[], peakRssKb: number, server: Server): Measurement {
  const histogram = new Histogram();
  const sum = (f: (r: LoadResult) => number) => results.reduce((a, r) => a + f(r), 0);
  for (const r of results) histogram.merge(r.histogram);
  const seconds = Math.max(...results.map((r) => r.seconds));
  const notes = [
    ...results.flatMap((r) => [...r.violations.samples, ...r.errorSamples]),
    ...(server.child?.exitCode !== null && server.child
      ? [`server exited: ${server.stderr.join(" | ")}`]
      : []),
  ];
  return {
    roundTripsPerS: sum((r) => r.roundTrips) / seconds,
    gamesPerS: sum((r) => r.games) / seconds,
    p50Us: histogram.percentile(50),
    p99Us: histogram.percentile(99),
    peakRssKb,
    loadCpuPercent: sum((r) => r.cpu.percent),
    serverCpuPercent: NaN,
    otherCpuPercent: NaN,
    connected: sum((r) => r.connected),
    violations: sum((r) => r.violations.total),
    socketErrors: sum((r) => r.socketErrors),
    closedEarly: sum((r) => r.closedEarly),
    notes,
  };
}

/** Footprint of one server: RSS before and while holding `n` idle connections. */
async function footprint(
  spec: Spec,
  n: number,
): Promise<{ beforeKb: number; afterKb: number; held: number; note: string }> {
  const server = await startServer(spec);
  const pid = server.pid!;
  try {
    const base = ["--host", server.host, "--port", String(server.port)];
    await runLoad([...base, "--connections", "1", "--duration", "0.5", "--warmup", "0"], 30_000);
    await sleep(500);
    const before = memory(pid).rssKb;
    const child = spawnRaised([...loadCommand, ...base, "--idle", String(n)], "pipe");
    const stderr: string[] = [];
    stderrHead(child, stderr);
    const line = await lines(child).next(120_000);
    if (line === null) {
      child.kill("SIGKILL");
      throw new Error(`idle load gave no result: ${stderr.join(" | ")}`);
    }
    const ready = JSON.parse(line);
    await sleep(1000);
    const after = memory(pid).rssKb;
    child.stdin!.end("close\n");
    await exited(child);
    const held = Math.min(ready.connected, ready.answered);
    const note = held < n
      ? `held ${held} of ${n} (${ready.socketErrors} socket errors: ${ready.errorSamples[0] ?? ""})`
      : "";
    return { beforeKb: before, afterKb: after, held, note };
  } finally {
    await stopServer(server);
  }
}

function version(command: string[]): string {
  const result = spawnSync(command[0], command.slice(1), { encoding: "utf8", timeout: 10_000 });
  return (result.stdout || result.stderr || "?").split("\n")[0].trim();
}

/** The generator `--generator` asks for (default: C if it builds): command and description. */
function chooseGenerator(
  wanted: string | undefined,
  spin: string | undefined,
): { command: string[]; description: string } {
  const node = {
    command: [NODE, "bench/load.ts"],
    description: `bench/load.ts on Node ${version([NODE, "--version"])}`,
  };
  if (wanted === "node") {
    if (spin !== undefined) throw new Error("--spin is for the C generator (--generator c)");
    return node;
  }
  if (wanted !== undefined && wanted !== "c") {
    throw new Error(`--generator wants c or node, got ${wanted}`);
  }
  const build = buildC("load");
  if (build.ok) {
    if (build.rebuilt) log(`built ${C_PROGRAMS.load.binary} from bench/load.c (${build.compiler})`);
    if (build.warnings) log(build.warnings);
    const us = spin ?? "20";
    if (!(Number(us) >= 0)) throw new Error(`--spin wants microseconds, got ${us}`);
    const polls = Number(us) > 0
      ? `polls up to ${us} µs for replies before sleeping (--spin), so its CPU includes polling`
      : "sleeps as soon as no reply is due (--spin 0)";
    return {
      command: [build.path, "--spin", us],
      description: `bench/load.c (one thread, epoll; ${polls}), built with ${build.compiler}`,
    };
  }
  if (wanted === "c") throw new Error(`--generator c: ${build.error}`);
  log(`C load generator unavailable (${build.error}); using bench/load.ts on Node`);
  return {
    ...node,
    description: `${node.description} (the C generator was unavailable: ${build.error})`,
  };
}

function machine(command: string, generator: string): Machine {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const limits = spawnSync("/bin/sh", ["-c", 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; ulimit -n'], {
    encoding: "utf8",
  }).stdout.trim();
  return {
    command,
    generator,
    date: new Date().toISOString(),
    nproc: availableParallelism(),
    cpu: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? "?",
    kernel: release(),
    memoryGiB: totalmem() / 2 ** 30,
    openFiles: limits,
    versions: {
      node: version([NODE, "--version"]),
      deno: version([join(BIN, "deno"), "--version"]),
      bun: version([join(BIN, "bun"), "--version"]),
      python: version(["python3", "--version"]),
    },
  };
}

function specs(
  names: string[],
  targets: string[],
  workers: string | undefined,
): { specs: Spec[]; notes: string[] } {
  const extra = workers ? ["--workers", workers] : [];
  const ours = existsSync(join(ROOT, "server.ts"));
  const known: Record<string, string[]> = {
    deno: [
      join(BIN, "deno"),
      "run",
      "--allow-net",
      "server.ts",
      "--port",
      "0",
      "--quiet",
      ...extra,
    ],
    bun: [join(BIN, "bun"), "server.ts", "--port", "0", "--quiet", ...extra],
    node: [NODE, "server.ts", "--port", "0", "--quiet", ...extra],
    "reference-async": ["python3", "tests/reference_port0.py", "async-server", "--quiet"],
    "reference-threaded": ["python3", "tests/reference_port0.py", "threaded-server", "--quiet"],
    "bare-deno": [join(BIN, "deno"), "run", "--allow-net", "bench/bare_server.ts", "--port", "0"],
    "bare-bun": [join(BIN, "bun"), "bench/bare_server.ts", "--port", "0"],
    "bare-node": [NODE, "bench/bare_server.ts", "--port", "0"],
    ceiling: [C_PROGRAMS.ceiling.binary, "--port", "0"],
  };
  const notes: string[] = [];
  const list: Spec[] = [];
  for (const name of names) {
    if (!(name in known)) throw new Error(`unknown server ${name}; see --help`);
    if (name === "ceiling") {
      const build = buildC("ceiling");
      if (!build.ok) {
        notes.push(`ceiling: skipped, bench/ceiling.c did not build: ${build.error}`);
        continue;
      }
    }
    if (["deno", "bun", "node"].includes(name) && !ours) {
      notes.push(`${name}: skipped, server.ts does not exist yet`);
      continue;
    }
    list.push({ name, command: known[name] });
  }
  for (const target of targets) {
    const match = /^(.+):(\d+)$/.exec(target);
    if (!match) throw new Error(`--target wants host:port, got ${target}`);
    list.push({ name: `target ${target}`, target: { host: match[1], port: Number(match[2]) } });
  }
  return { specs: list, notes };
}

function median(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      servers: {
        type: "string",
        // Each runtime's floor (bench/bare_server.ts) next to our server on it.
        default:
          "reference-async,reference-threaded,ceiling,bare-deno,deno,bare-bun,bun,bare-node,node",
      },
      target: { type: "string", multiple: true, default: [] },
      concurrency: { type: "string", default: "1,50,1000" },
      duration: { type: "string", default: "5" },
      warmup: { type: "string", default: "1" },
      runs: { type: "string", default: "3" },
      "load-procs": { type: "string", default: "1" },
      generator: { type: "string" },
      spin: { type: "string" },
      workers: { type: "string" },
      footprint: { type: "string", default: "10000" },
      write: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const quote = (a: string) => /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`;
  const command = ["node_modules/.bin/node", "bench/run.ts", ...process.argv.slice(2)].map(quote)
    .join(" ");
  const generator = chooseGenerator(values.generator, values.spin);
  loadCommand = generator.command;
  log(`load generator: ${generator.description}`);
  const { specs: servers, notes } = specs(
    values.servers.split(",").map((s) => s.trim()).filter(Boolean),
    values.target,
    values.workers,
  );
  const levels = values.concurrency.split(",").map(Number);
  const runs = Number(values.runs);
  const options: Options = {
    duration: Number(values.duration),
    warmup: Number(values.warmup),
    loadProcs: Number(values["load-procs"]),
  };
  const results = new Map<string, Measurement[]>();
  const key = (name: string, c: number) => `${name}@${c}`;
  for (let run = 1; run <= runs; run++) {
    for (const c of levels) {
      for (const spec of servers) {
        log(`run ${run}/${runs}: ${spec.name}, ${c} connections`);
        try {
          const m = await measure(spec, c, options);
          log(
            `  ${Math.round(m.roundTripsPerS)} rt/s, p50 ${m.p50Us} µs, p99 ${m.p99Us} µs, ` +
              `${m.violations} violations; CPU server ${m.serverCpuPercent.toFixed(0)}%, ` +
              `generator ${m.loadCpuPercent.toFixed(0)}%, other ${m.otherCpuPercent.toFixed(0)}%`,
          );
          results.set(key(spec.name, c), [...results.get(key(spec.name, c)) ?? [], m]);
        } catch (error) {
          log(`  failed: ${(error as Error).message}`);
          const message = (error as Error).message.slice(0, 300);
          notes.push(`${spec.name} at ${c} connections, run ${run}: ${message}`);
        }
      }
    }
  }
  const rows: Row[] = [];
  for (const c of levels) {
    for (const spec of servers) {
      const ms = results.get(key(spec.name, c)) ?? [];
      if (ms.length === 0) continue;
      const pick = (f: (m: Measurement) => number) => median(ms.map(f));
      rows.push({
        server: spec.name,
        connections: c,
        runs: ms.length,
        perRun: ms.map((m) => m.roundTripsPerS),
        roundTripsPerS: pick((m) => m.roundTripsPerS),
        gamesPerS: pick((m) => m.gamesPerS),
        p50Us: pick((m) => m.p50Us),
        p99Us: pick((m) => m.p99Us),
        peakRssKb: pick((m) => m.peakRssKb),
        loadCpuPercent: pick((m) => m.loadCpuPercent),
        serverCpuPercent: pick((m) => m.serverCpuPercent),
        otherCpuPercent: pick((m) => m.otherCpuPercent),
        connected: Math.min(...ms.map((m) => m.connected)),
        violations: ms.reduce((a, m) => a + m.violations, 0),
        socketErrors: ms.reduce((a, m) => a + m.socketErrors, 0),
        closedEarly: ms.reduce((a, m) => a + m.closedEarly, 0),
        notes: [...new Set(ms.flatMap((m) => m.notes))].slice(0, 3),
      });
    }
  }
  const facts = machine(command, generator.description);
  let n = Number(values.footprint);
  const limit = Number(facts.openFiles);
  if (n > 0 && n + 100 > limit) {
    notes.push(
      `footprint: asked for ${n} connections, but the open-file limit (after raising the soft ` +
        `limit to the hard one) is ${limit}; held ${limit - 100} instead`,
    );
    n = limit - 100;
  }
  const processes = [...measured].map(([name, what]) => `${name}: ${what}`).join("; ");
  notes.unshift(`Measured server processes (last run): ${processes}.`);
  let markdown = report(facts, options, runs, REFERENCE, rows, notes);
  const footprints: Footprint[] = [];
  if (n > 0) {
    for (const spec of servers.filter((s) => !s.target)) {
      const samples = [];
      for (let run = 1; run <= runs; run++) {
        log(`footprint run ${run}/${runs}: ${spec.name}, ${n} idle connections`);
        try {
          samples.push(await footprint(spec, n));
        } catch (error) {
          log(`  failed: ${(error as Error).message}`);
        }
      }
      if (samples.length === 0) continue;
      footprints.push({
        server: spec.name,
        requested: n,
        held: Math.min(...samples.map((s) => s.held)),
        beforeKb: median(samples.map((s) => s.beforeKb)),
        afterKb: median(samples.map((s) => s.afterKb)),
        bytesPerConnection: median(samples.map((s) => (s.afterKb - s.beforeKb) * 1024 / s.held)),
        note: samples.map((s) => s.note).find((x) => x) ?? "",
      });
    }
    markdown += footprintTable(footprints, REFERENCE, runs);
  }
  markdown += targetsTable(rows, footprints, REFERENCE);
  if (values.write) {
    const file = join(process.cwd(), values.write);
    writeFileSync(file, markdown);
    // Aligns the tables the way `deno fmt` does, so the file passes `deno fmt --check`.
    spawnSync(join(BIN, "deno"), ["fmt", "--quiet", "--line-width", "100", file], {
      stdio: "ignore",
    });
    log(`wrote ${values.write}`);
  } else {
    process.stdout.write(markdown);
  }
  return 0;
}

if (import.meta.main) {
  main().then((code) => process.exit(code), (error) => {
    console.error(error);
    process.exit(1);
  });
}
