/**
 * Markdown for the benchmark's results (bench/run.ts): the machine, the
 * throughput table with each figure's ratio to the reference, the per-run
 * spread, the load generator's ceiling, and the idle-connection footprint.
 *
 * @module
 */

/** Where and how the benchmark ran. */
export interface Machine {
  command: string;
  /** Which load generator ran, e.g. "bench/load.c (one thread, epoll), built with cc ...". */
  generator: string;
  date: string;
  nproc: number;
  cpu: string;
  kernel: string;
  memoryGiB: number;
  openFiles: string;
  versions: Record<string, string>;
}

/** Figures of one measurement (all load processes together). */
export interface Measurement {
  roundTripsPerS: number;
  gamesPerS: number;
  p50Us: number;
  p99Us: number;
  peakRssKb: number;
  loadCpuPercent: number;
  /** The server's CPU time over the measured window, 100% = one core. */
  serverCpuPercent: number;
  /** The rest of the machine's busy CPU over the window: other processes, interrupts. */
  otherCpuPercent: number;
  connected: number;
  violations: number;
  socketErrors: number;
  closedEarly: number;
  notes: string[];
}

/** Medians of one server at one concurrency. */
export interface Row extends Measurement {
  server: string;
  connections: number;
  runs: number;
  perRun: number[];
}

/** Medians of one server's footprint runs. */
export interface Footprint {
  server: string;
  requested: number;
  held: number;
  beforeKb: number;
  afterKb: number;
  bytesPerConnection: number;
  note: string;
}

const int = (n: number) => Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a";
const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
const pct = (n: number) => Number.isFinite(n) ? `${n.toFixed(0)}%` : "n/a";
const mib = (kb: number) => Number.isFinite(kb) ? (kb / 1024).toFixed(1) : "n/a";
const ratio = (value: number, reference: number | undefined) =>
  reference !== undefined && Number.isFinite(value) && Number.isFinite(reference) && reference > 0
    ? `${(value / reference).toFixed(2)}×`
    : "–";

/** The whole report but the footprint section. */
export function report(
  machine: Machine,
  options: { duration: number; warmup: number; loadProcs: number },
  runs: number,
  reference: string,
  rows: Row[],
  notes: string[],
): string {
  const v = machine.versions;
  const out = [
    "# warmer-colder benchmark",
    "",
    `Command: \`${machine.command}\``,
    "",
    `Machine: ${machine.nproc} CPUs (nproc), ${machine.cpu}, Linux ${machine.kernel}, ` +
    `${machine.memoryGiB.toFixed(1)} GiB RAM, open-file limit ${machine.openFiles}. ` +
    `Runtimes: Node ${v.node}, ${v.deno}, Bun ${v.bun}, ${v.python}. ` +
    `Date: ${machine.date}.`,
    "",
    `Load generator: ${machine.generator}.`,
    "",
    `Each figure is the median of ${runs} run(s); each run starts a fresh server per measurement ` +
    `and plays ${options.warmup} s of warm-up, then ${options.duration} s measured, from ` +
    `${options.loadProcs} load process(es) of that generator. A round trip is one \`NUMBER\` ` +
    `and its reply (with the preceding \`REPORT\`/\`PARAMS\` lines in the same write); a game is ` +
    `\`PARAMS 1 100\`, up to five round trips, \`PARAMS 0 -1\`. Warm-up starts once the server ` +
    `has answered every connection once, so connections still in the listen queue are not timed. ` +
    `Latency is per round trip, seen by the client; a round trip still unanswered when the window ` +
    `closes counts with its age so far, so a stalled connection shows in p99. Peak RSS is the ` +
    `server's VmHWM (plus sampled VmRSS) from /proc. ` +
    `"×ref" is the figure divided by ${reference}'s at the same concurrency (for latency and RSS, ` +
    `lower is better). CPU columns are CPU time over the measured window, 100% = one core: ` +
    `the server's process tree, the load generator (summed over its processes), and the rest of ` +
    `the machine (other processes and interrupts, and a \`--target\` server's own CPU; high ` +
    `values mean a disturbed run). ` +
    `Violations are summed over runs.`,
    "",
    "| server | conns | round trips/s | ×ref | games/s | ×ref | p50 µs | ×ref | p99 µs | ×ref " +
    "| peak RSS MiB | ×ref | violations | CPU server | CPU gen | CPU other |",
    "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
  ];
  const refOf = (c: number) => rows.find((r) => r.server === reference && r.connections === c);
  for (const r of rows) {
    const ref = refOf(r.connections);
    const conns = r.connected < r.connections
      ? `${r.connections} (${r.connected} connected)`
      : `${r.connections}`;
    const trouble = r.violations + r.socketErrors + r.closedEarly;
    const violations = trouble === 0
      ? "0"
      : `${r.violations}` + (r.socketErrors ? `, ${r.socketErrors} socket errors` : "") +
        (r.closedEarly ? `, ${r.closedEarly} closed early` : "");
    out.push(line([
      r.server,
      conns,
      int(r.roundTripsPerS),
      ratio(r.roundTripsPerS, ref?.roundTripsPerS),
      int(r.gamesPerS),
      ratio(r.gamesPerS, ref?.gamesPerS),
      int(r.p50Us),
      ratio(r.p50Us, ref?.p50Us),
      int(r.p99Us),
      ratio(r.p99Us, ref?.p99Us),
      mib(r.peakRssKb),
      ratio(r.peakRssKb, ref?.peakRssKb),
      violations,
      pct(r.serverCpuPercent),
      pct(r.loadCpuPercent),
      pct(r.otherCpuPercent),
    ]));
  }
  out.push("", "Round trips/s of each run:", "", "| server | conns | runs |", "|---|--:|---|");
  for (const r of rows) {
    out.push(line([r.server, String(r.connections), r.perRun.map(int).join(", ")]));
  }
  const others = rows.map((r) => r.otherCpuPercent).filter(Number.isFinite);
  const disturbed = others.filter((p) => p > 25).length;
  if (disturbed > 0) {
    out.push(
      "",
      `**Disturbed run:** in ${disturbed} of ${others.length} rows the rest of the machine used ` +
        `more than 25% CPU (up to ${Math.max(...others).toFixed(0)}%) while measuring, so server ` +
        "and generator did not have the CPUs to themselves; timing figures are unreliable.",
    );
  }
  out.push(...ceiling(rows, machine.generator));
  const short = (n: string) => n.length > 300 ? `${n.slice(0, 300)}...` : n;
  const all = [
    ...notes,
    ...rows.flatMap((r) => r.notes.map((n) => short(`${r.server} at ${r.connections}: ${n}`))),
  ];
  if (all.length > 0) out.push("", "Notes:", "", ...all.map((n) => `- ${n}`));
  return out.join("\n") + "\n";
}

/** The generator's ceiling: how the ceiling server compares with the rest. */
function ceiling(rows: Row[], generator: string): string[] {
  const out = ["", "## Load generator", ""];
  const best = (list: Row[]) =>
    list.reduce((a, r) => r.roundTripsPerS > a.roundTripsPerS ? r : a, list[0]);
  const ceil = rows.filter((r) => r.server === "ceiling");
  const others = rows.filter((r) => r.server !== "ceiling");
  if (ceil.length > 0) {
    const top = best(ceil);
    const [rate, cpu, server] = [
      int(top.roundTripsPerS),
      pct(top.loadCpuPercent),
      pct(top.serverCpuPercent),
    ];
    out.push(
      "Against bench/ceiling.c (a minimal C epoll server) the generator reached " +
        `${rate} round trips/s at ${top.connections} connections, using ${cpu} CPU (server ${server}).`,
    );
    if (others.length > 0) {
      const o = best(others);
      const [rate, cpu, server] = [
        int(o.roundTripsPerS),
        pct(o.loadCpuPercent),
        pct(o.serverCpuPercent),
      ];
      out.push(
        `The fastest other server, ${o.server}, reached ${rate} round trips/s at ${o.connections} ` +
          `connections (generator ${cpu} CPU, server ${server}).`,
      );
    }
  }
  if (ceil.length > 0) {
    const peak = Math.max(...ceil.flatMap((r) => r.perRun));
    out.push(`Best single run against it: ${int(peak)} round trips/s.`);
  }
  const busiest = rows.reduce((a, r) => Math.max(a, r.loadCpuPercent), 0);
  out.push(
    `Highest generator CPU in any measurement: ${busiest.toFixed(0)}% of one core. ` +
      "When it approaches 100% (per load process) the generator, not the server, bounds the rate; " +
      "on a machine with few cores the server and the generator also share the CPUs.",
  );
  if (generator.includes("--spin")) {
    out.push(
      generator.includes("--spin 0")
        ? "The C generator slept whenever no reply was due: the least CPU for it, but each " +
          "wake-up is paid by the server, which then reaches fewer round trips."
        : "The C generator polled for replies before sleeping (yielding the CPU to anything " +
          "else runnable), so its CPU includes polling and a high figure does not by itself " +
          "mean it bounds the rate; `--spin 0` shows its bare cost.",
    );
  }
  return out;
}

/** The footprint section. */
export function footprintTable(rows: Footprint[], reference: string, runs: number): string {
  const ref = rows.find((r) => r.server === reference);
  const out = [
    "",
    "## Footprint: idle connections",
    "",
    `Each connection plays one round trip (\`PARAMS 1 100\`, \`NUMBER\`, so the server has accepted ` +
    `it and holds a game), then stays open without traffic. RSS before is after a short warm-up ` +
    `with one connection; after is 1 s after all connections answered. Medians of ${runs} run(s).`,
    "",
    "| server | connections held | RSS before MiB | RSS after MiB | bytes/connection | ×ref | note |",
    "|---|--:|--:|--:|--:|--:|---|",
  ];
  for (const r of rows) {
    const grew = r.bytesPerConnection > 0;
    const notes = [grew ? "" : "RSS did not grow (garbage collection or freed pages)", r.note];
    out.push(line([
      r.server,
      `${int(r.held)} of ${int(r.requested)}`,
      mib(r.beforeKb),
      mib(r.afterKb),
      grew ? int(r.bytesPerConnection) : "n/a",
      grew ? ratio(r.bytesPerConnection, ref?.bytesPerConnection) : "–",
      notes.filter(Boolean).join("; "),
    ]));
  }
  return out.join("\n") + "\n";
}

/** One of the targets for one runtime. */
interface Target {
  runtime: "deno" | "bun" | "node";
  what: string;
  /** The figure for one server of this run; NaN when it was not measured. */
  measure: (server: string) => number;
  show: (value: number) => string;
  met: (value: number) => boolean;
}

/**
 * The targets against this run: each with our server's figure, whether
 * it is met, and the same figure for the runtime's floor (bench/bare_server.ts),
 * which tells whether any server on that runtime could meet it here.
 */
export function targetsTable(rows: Row[], footprints: Footprint[], reference: string): string {
  const row = (server: string, c: number) =>
    rows.find((r) => r.server === server && r.connections === c);
  const speedup = (c: number) => (server: string) =>
    (row(server, c)?.roundTripsPerS ?? NaN) / (row(reference, c)?.roundTripsPerS ?? NaN);
  const p99 = (server: string) => (row(server, 1000)?.p99Us ?? NaN) / 1000;
  const bytes = (server: string) => {
    const f = footprints.find((f) => f.server === server);
    return f && f.bytesPerConnection > 0 ? f.bytesPerConnection : NaN;
  };
  const times = (n: number) => Number.isFinite(n) ? `${n.toFixed(2)}×` : "n/a";
  const ms = (n: number) => Number.isFinite(n) ? `${n.toFixed(1)} ms` : "n/a";
  const kb = (n: number) => Number.isFinite(n) ? `${int(n)} bytes` : "n/a";
  const list: Target[] = [];
  const ratios = { bun: 2.5, deno: 2.0, node: 2.0 } as const;
  for (const c of [50, 1000]) {
    for (const runtime of ["bun", "deno", "node"] as const) {
      const bound = ratios[runtime];
      list.push({
        runtime,
        what: `${c} connections: round trips/s ≥ ${bound}× ${reference}`,
        measure: speedup(c),
        show: times,
        met: (v) => v >= bound,
      });
    }
  }
  for (const runtime of ["bun", "deno", "node"] as const) {
    list.push({
      runtime,
      what: "1000 connections: p99 < 25 ms",
      measure: p99,
      show: ms,
      met: (v) => v < 25,
    });
  }
  const most = { bun: 2, deno: 4, node: 4 } as const;
  const idle = footprints[0]?.requested ?? 10_000;
  for (const runtime of ["bun", "deno", "node"] as const) {
    list.push({
      runtime,
      what: `${int(idle)} idle connections: ≤ ${int(most[runtime] * 1000)} bytes each`,
      measure: bytes,
      show: kb,
      met: (v) => v <= most[runtime] * 1000,
    });
  }
  const out = [
    "",
    "## Targets",
    "",
    'The issue\'s targets against this run. "Floor" is the same figure for bench/bare_server.ts ' +
    "on that runtime's own sockets, the lightest server that still plays the game: where the floor " +
    "misses a target, no server on that runtime meets it on this machine.",
    "",
    "| runtime | target | ours | met? | floor | floor met? |",
    "|---|---|--:|---|--:|---|",
  ];
  for (const t of list) {
    const ours = t.measure(t.runtime);
    const floor = t.measure(`bare-${t.runtime}`);
    const verdict = (v: number) => Number.isFinite(v) ? (t.met(v) ? "yes" : "**no**") : "n/a";
    out.push(line([
      t.runtime,
      t.what,
      t.show(ours),
      verdict(ours),
      t.show(floor),
      verdict(floor),
    ]));
  }
  return out.join("\n") + "\n";
}
