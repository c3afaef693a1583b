/**
 * The benchmark's results (bench/run.ts) as Markdown: the machine, the
 * throughput table (each figure's ratio to the reference, the server's CPU time
 * per round trip), the per-run spread, the load generator's ceiling, the
 * idle-connection footprint, the burst, a player beside flooding peers, the
 * TLS and WebSocket servers beside plaintext TCP, and the targets. Also the
 * latency histograms as bench/load.c prints them, and their percentiles.
 *
 * @module
 */

import { DENO_ENV_ASSIGNMENTS } from "../_cli/child.ts";

/** A latency histogram as bench/load.c prints it: `[µs, count]` pairs, ascending. */
export type HistogramJson = { max: number; buckets: [number, number][] };

/** The value at percentile `p` (0..100) of histograms merged: the bucket holding rank ceil(p%). */
export function percentile(histograms: HistogramJson[], p: number): number {
  const buckets = histograms.flatMap((h) => h.buckets).sort((a, b) => a[0] - b[0]);
  const count = buckets.reduce((a, [, n]) => a + n, 0);
  const rank = Math.max(1, Math.ceil((p / 100) * count));
  let seen = 0;
  for (const [value, n] of buckets) if ((seen += n) >= rank) return value;
  return count === 0 ? NaN : Math.max(...histograms.map((h) => h.max));
}

/** Where and how the benchmark ran; `generator` says which load generator, and how built. */
export type Machine = Record<"command" | "generator" | "date" | "cpu" | "kernel", string> & {
  nproc: number;
  memoryGiB: number;
  openFiles: string;
  versions: Record<"node" | "deno" | "bun" | "python", string>;
};

/**
 * Figures of one measurement, all load processes together: per second, in µs,
 * in kB, CPU in % of one core over the measured window (the server's process
 * tree, the generator, the rest of the machine), `serverCpuUs` the server's CPU
 * time per round trip, and counts.
 */
export type Measurement =
  & Record<"roundTripsPerS" | "gamesPerS" | "p50Us" | "p99Us" | "peakRssKb", number>
  & Record<"serverCpuUs" | "serverCpuPercent" | "loadCpuPercent" | "otherCpuPercent", number>
  & Record<"connected" | "violations" | "socketErrors" | "closedEarly", number>
  & { notes: string[] };

/**
 * A server at one concurrency: the medians of its runs, each run's round
 * trips/s and server CPU µs per round trip, and which run each was (a failed
 * run has none).
 */
export type Row = Measurement & {
  server: string;
  connections: number;
  perRun: number[];
  cpuPerRun: number[];
  runOf: number[];
};

/** Medians of one server's footprint runs. */
export type Footprint =
  & { server: string; note: string }
  & Record<
    "requested" | "held" | "beforeKb" | "afterKb" | "bytesPerConnection",
    number
  >;

/** Medians of one server's burst runs; `seconds` from the first connect to the last reply. */
export type Burst =
  & { server: string; note: string }
  & Record<
    "requested" | "answered" | "seconds" | "violations",
    number
  >;

/**
 * One server beside flooding peers (bench/flood.ts), over its runs: the
 * player's round trips (medians of p50 and p99, in µs), its games (median,
 * and the worst of any run, in ms; the fewest finished), the same after the
 * flooders left, the server's RSS growth (the most of any run), and counts
 * summed: wrong replies, runs the player did not finish in time, runs the
 * server did not survive.
 */
export type Flood =
  & { server: string; samples: string[]; note: string }
  & Record<"flooders" | "floodBytesSent" | "games" | "afterGames", number>
  & Record<"p50Us" | "p99Us" | "medianGameMs" | "worstGameMs" | "afterWorstGameMs", number>
  & Record<"growthKb" | "violations" | "unfinished" | "died", number>;

/**
 * The client benchmark's clients: the runtime's plainest client (`floor`),
 * the module's `connect()`, and `new Client` over the runtime's stream pair.
 */
export type ClientKind = "floor" | "connect" | "streams";

/**
 * One client on one runtime at one concurrency, against bench/ceiling.c:
 * medians over its runs of round trips/s and of the client process's CPU µs
 * per round trip, each run's figures, and which run each was.
 */
export type ClientRow = {
  runtime: string;
  client: ClientKind;
  connections: number;
  roundTripsPerS: number;
  clientCpuUs: number;
  perRun: number[];
  cpuPerRun: number[];
  runOf: number[];
};

/** Everything one report shows; `chart` is the SVG's file name, next to the report's. */
export type Results = {
  machine: Machine;
  options:
    & Record<"duration" | "warmup" | "loadProcs" | "runs" | "floodRuns", number>
    & { clientRuns?: number };
  reference: string;
  rows: Row[];
  footprints: Footprint[];
  bursts: Burst[];
  floods: Flood[];
  /** How the flood mode ran: flooders, each one's bytes, the player's games and time bound. */
  flood: Record<"flooders" | "floodBytes" | "games" | "afterGames" | "limitMs", number>;
  /** The client benchmark's rows, if it ran. */
  clients?: ClientRow[];
  /**
   * The TLS servers' handshakes, if they ran: connections that each close
   * after their first reply and open anew, so that a round trip is a full
   * handshake.
   */
  handshakes?: Row[];
  notes: string[];
  chart?: string;
};

const int = (n: number) => Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a";
const fixed = (digits: number, unit = "") => (n: number) =>
  Number.isFinite(n) ? `${n.toFixed(digits)}${unit}` : "n/a";
const pct = fixed(0, "%");
const ms = fixed(1, " ms");
const mib = (kb: number) => fixed(1)(kb / 1024);
const ratio = (value: number, reference: number | undefined) =>
  reference !== undefined && Number.isFinite(value) && Number.isFinite(reference) && reference > 0
    ? `${(value / reference).toFixed(2)}×`
    : "–";
const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
/** A Markdown table; `head` is the titles joined with `|`, a leading `<` aligning left. */
const table = (head: string, rows: string[][]) => {
  const titles = head.split("|");
  const align = titles.map((t) => t.startsWith("<") ? "---" : "--:");
  return ["", line(titles.map((t) => t.replace(/^</, ""))), line(align), ...rows.map(line)];
};
const connections = (n: number) => `${n} connection${n === 1 ? "" : "s"}`;
/** Prose: one paragraph, its lines joined. */
const prose = (text: string) => ["", text.trim().replaceAll("\n", " ")];

/** The main table's figures that carry a ratio to the reference. */
const WITH_REF: [string, Exclude<keyof Measurement, "notes">, typeof int][] = [
  ["round trips/s", "roundTripsPerS", int],
  ["games/s", "gamesPerS", int],
  ["p50 µs", "p50Us", int],
  ["p99 µs", "p99Us", int],
  ["peak RSS MiB", "peakRssKb", mib],
];

/** The whole report. */
export function report(results: Results): string {
  const { machine: m, options: o, rows, reference } = results;
  const v = m.versions;
  const out = [`# warmer-colder benchmark`, "", `Command: \`${m.command}\``];
  out.push(...prose(`
Machine: ${m.nproc} CPUs (nproc), ${m.cpu}, Linux ${m.kernel}, ${m.memoryGiB.toFixed(1)} GiB RAM,
open-file limit ${m.openFiles}. Runtimes: Node ${v.node}, ${v.deno}, Bun ${v.bun}, ${v.python}.
Date: ${m.date}.`));
  out.push("", `Load generator: ${m.generator}.`);
  out.push(...prose(`
Three modes, each on a fresh server per measurement, every reply checked (an integer in range,
never repeated within a game; violations are summed over runs). **Throughput:** ${o.loadProcs} load
process(es) play ${o.warmup} s of warm-up, then ${o.duration} s measured; each figure is the median
of ${o.runs} run(s). A round trip is one \`NUMBER\` and its reply (with the preceding
\`REPORT\`/\`PARAMS\` lines in the same write); a game is \`PARAMS 1 100\`, up to five round trips,
\`PARAMS 0 -1\`. Warm-up starts once the server has answered every connection once. Latency is per
round trip, seen by the client; a round trip still unanswered when the window closes counts with its
age so far, so a stalled connection shows in p99. **Burst:** many connections opened at once, each
asking one \`NUMBER\`; the time until the last has its reply. **Footprint:** many idle connections
held; the server's RSS per connection.`));
  out.push(...prose(`
Servers: \`deno\` is our server.ts on Deno started with \`${DENO_ENV_ASSIGNMENTS}\` in
its environment, as the README tells users to start it; \`deno-plain\` is the same without it (a
bare \`deno run server.ts\`). \`bare-*\` is bench/bare_server.ts on that runtime's own sockets, the
lightest server that still plays the game: the most a server on that runtime can do here
(\`bare-deno\` with the variable, like \`deno\`). \`ceiling\` is bench/ceiling.c, a minimal C
server: the most the generator can measure.`));
  out.push(...prose(`
Columns: "×ref" is the figure divided by ${reference}'s at the same concurrency (for latency and RSS
lower is better), for comparison only. Peak RSS is the server's VmHWM (plus sampled VmRSS) from
/proc. "Server CPU µs/round trip" is the server process tree's CPU time over the measured window
divided by the round trips in it: unlike round trips/s, it does not depend on how much of the CPUs
the generator takes. The CPU columns are CPU time over the window, 100% = one core: the server's
process tree, the load generator (all its processes), and the rest of the machine (other processes
and interrupts, and a \`--target\` server's own CPU; high values mean a disturbed run).`));
  if (results.chart) {
    out.push("", `![Round trips per second of each server at each concurrency](${results.chart})`);
  }
  const refOf = (c: number) => rows.find((r) => r.server === reference && r.connections === c);
  const head = WITH_REF.map(([title]) => `${title}|×ref`).join("|");
  out.push(...table(
    `<server|conns|${head}|server CPU µs/round trip|violations|CPU server|CPU gen|CPU other`,
    rows.map((r) => [
      r.server,
      r.connected < r.connections
        ? `${r.connections} (${r.connected} connected)`
        : `${r.connections}`,
      ...WITH_REF.flatMap(([, k, show]) => [show(r[k]), ratio(r[k], refOf(r.connections)?.[k])]),
      fixed(1)(r.serverCpuUs),
      [`${r.violations}`, r.socketErrors ? `${r.socketErrors} socket errors` : ""]
        .concat(r.closedEarly ? `${r.closedEarly} closed early` : "").filter(Boolean).join(", "),
      ...[r.serverCpuPercent, r.loadCpuPercent, r.otherCpuPercent].map(pct),
    ]),
  ));
  out.push("", "Round trips/s of each run:");
  out.push(
    ...table(
      "<server|conns|<runs",
      rows.map((r) => [r.server, `${r.connections}`, r.perRun.map(int).join(", ")]),
    ),
  );
  const others = rows.map((r) => r.otherCpuPercent).filter(Number.isFinite);
  const disturbed = others.filter((p) => p > 25).length;
  if (disturbed > 0) {
    out.push(...prose(`
**Disturbed run:** in ${disturbed} of ${others.length} rows the rest of the machine used more than
25% CPU (up to ${Math.max(...others).toFixed(0)}%) while measuring, so server and generator did not
have the CPUs to themselves; timing figures are unreliable.`));
  }
  out.push("", "## Load generator", ...prose(generatorText(rows, m.generator)));
  const short = (n: string) => n.length > 300 ? `${n.slice(0, 300)}...` : n;
  const notes = results.notes.concat(
    rows.flatMap((r) => r.notes.map((n) => short(`${r.server} at ${r.connections}: ${n}`))),
  );
  if (notes.length > 0) out.push("", "Notes:", "", ...notes.map((n) => `- ${n}`));
  const { footprints, bursts } = results;
  const ref = footprints.find((r) => r.server === reference)?.bytesPerConnection;
  if (footprints.length > 0) {
    out.push("", `## Footprint: ${int(footprints[0].requested)} idle connections`);
    out.push(...prose(`
Each connection plays one round trip (\`PARAMS 1 100\`, \`NUMBER\`, so the server has accepted it
and holds a game), then stays open without traffic. RSS before is after a short warm-up with one
connection; after is 1 s after all connections answered. Medians of ${o.runs} run(s).`));
    out.push(...table(
      "<server|connections held|RSS before MiB|RSS after MiB|bytes/connection|×ref|<note",
      footprints.map((r) => {
        const grew = r.bytesPerConnection > 0;
        const shrank = grew ? [] : ["RSS did not grow (garbage collection or freed pages)"];
        return [
          ...[r.server, `${int(r.held)} of ${int(r.requested)}`, mib(r.beforeKb), mib(r.afterKb)],
          ...(grew ? [int(r.bytesPerConnection), ratio(r.bytesPerConnection, ref)] : ["n/a", "–"]),
          shrank.concat(r.note || []).join("; "),
        ];
      }),
    ));
  }
  if (bursts.length > 0) {
    out.push("", `## Burst: ${int(bursts[0].requested)} connections at once`);
    out.push(...prose(`
After a short warm-up with one connection, the generator opens all the connections at once; each
sends \`PARAMS 1 10\` and \`NUMBER\` and must get an integer in 1..10. "Answered within" runs from
the first connect to the last reply. A listen backlog smaller than the burst makes the kernel drop
connection requests, which then wait for the client's SYN retry (1 s, then 3 s more). Medians of
${o.runs} run(s).`));
    out.push(...table(
      "<server|connections answered|answered within|violations|<note",
      bursts.map((r) => [
        ...[r.server, `${int(r.answered)} of ${int(r.requested)}`, fixed(3, " s")(r.seconds)],
        ...[`${r.violations}`, r.note],
      ]),
    ));
  }
  const { floods, flood: f } = results;
  if (floods.length > 0) {
    out.push("", `## Beside ${f.flooders} flooding peers`);
    out.push(...prose(`
After a short warm-up, ${f.flooders} connections each send \`PARAMS 1 1000000000000\` and
${mib(f.floodBytes / 1024)} MiB of \`NUMBER\` lines, as fast as the kernel takes them, and never
read. Then one player (bench/flood.ts, on \`node:net\`) plays ${f.games} honest games of 1..100
beside them, every reply checked; then the flooders leave and it plays ${f.afterGames} more on a new
connection. Each part has ${f.limitMs / 1000} s; a game still unfinished then counts with its age.
A game is timed from its \`PARAMS\` to the reply that was its secret. RSS growth is from just
before the flood to the highest VmRSS sampled every 100 ms. Over ${o.floodRuns} run(s): p50, p99
and the median game are medians, the worst game and the growth the worst of any run, the games
finished the fewest, and counts summed.`));
    out.push(...table(
      "<server|flood sent MiB|games|p50 µs|p99 µs|median game|worst game|after: games|" +
        "after: worst game|RSS growth MiB|violations|<note",
      floods.map((r) => [
        ...[r.server, mib(r.floodBytesSent / 1024), `${r.games} of ${f.games}`],
        ...[int(r.p50Us), int(r.p99Us), ms(r.medianGameMs), ms(r.worstGameMs)],
        ...[`${r.afterGames} of ${f.afterGames}`, ms(r.afterWorstGameMs), mib(r.growthKb)],
        `${r.violations}`,
        [
          r.unfinished ? `unfinished in ${r.unfinished} of ${o.floodRuns} runs` : "",
          r.died ? `the server died in ${r.died} run(s)` : "",
          ...r.samples,
        ].filter(Boolean).join("; "),
      ]),
    ));
  }
  out.push(...tlsSection(results));
  out.push(...webSocketSection(results));
  const clients = results.clients ?? [];
  if (clients.length > 0) {
    out.push("", "## The client");
    out.push(...prose(`
bench/client_load.ts plays games of 1..100 in one process on each runtime, against a fresh
bench/ceiling.c (a C server that is never the bound), ${o.warmup} s of warm-up, then ${o.duration} s
measured, ${o.clientRuns ?? o.runs} run(s), the clients of a runtime measured one after the other in
each run. Where there are two CPUs and \`taskset\`, the ceiling runs on CPU 0, and the client with
it at 1 connection (so that a round trip is the two programs' work, not the wake-up of another CPU)
and on CPU 1 at 50 (so that the client has its own). \`connect\` is the module's \`connect()\` as a user writes a game (\`await using\` a
session, \`for await\` over \`requestNumbers\`, \`reportOutcome\`); \`streams\` the same game on
\`new Client({ readable, writable })\` over the runtime's stream pair (a \`Deno.connect\`
connection's streams; \`Duplex.toWeb\` of a \`node:net\` socket on Bun and Node); \`floor\` the
plainest client of the same games on the runtime's own sockets, one write a round trip: the most a
client on that runtime can do here. Client CPU is the client process's user and system time over the
window divided by its round trips. "×floor" is the median over runs of ours over the floor in the same
run.`));
    const floorOf = (r: ClientRow) =>
      clients.find((f) =>
        f.runtime === r.runtime && f.connections === r.connections && f.client === "floor"
      );
    out.push(...table(
      "<runtime|<client|conns|round trips/s|×floor|client CPU µs/round trip|×floor|<runs (round trips/s)",
      clients.map((r) => {
        const floor = floorOf(r);
        return [
          r.runtime,
          r.client,
          `${r.connections}`,
          int(r.roundTripsPerS),
          floor ? fixed(2, "×")(pairedShare(r, floor)) : "–",
          fixed(2)(r.clientCpuUs),
          floor ? fixed(2, "×")(1 / pairedShare(r, floor, "cpu")) : "–",
          r.perRun.map(int).join(", "),
        ];
      }),
    ));
  }
  out.push(
    "",
    "## Targets",
    ...prose(`
"Floor" is the same figure for the runtime's bare server (bench/bare_server.ts; \`bare-deno\`
started with the variable, as \`deno\` is): where the floor misses a target, no server on that
runtime meets it on this machine. "Ours" and "floor" are medians over runs; the share of the floor
is the median over runs of ours divided by the floor in the same run (measured one after the other),
which the machine's drift between runs does not reach. The ×ref ratios above judge nothing. For
the client's targets the floor is the runtime's client floor (\`floor\` under "The client").`),
  );
  out.push(...table("<target|ours|floor|share of floor|<met?", targets(results)));
  return out.join("\n") + "\n";
}

/** A TLS server's plaintext counterpart: our server or the floor, on the same runtime. */
const plaintextOf = (server: string) =>
  server === "bare-tls-deno-node" ? "bare-deno" : server.replace("tls-", "");
/** The TLS floor a TLS server is judged against (itself, for a floor). */
const tlsFloorOf = (server: string) => server.startsWith("tls-") ? `bare-${server}` : server;

/** The TLS rows beside plaintext, and the handshakes. */
function tlsSection(results: Results): string[] {
  const { rows, options: o } = results;
  const handshakes = results.handshakes ?? [];
  const secure = rows.filter((r) => r.server.includes("tls-"));
  if (secure.length === 0 && handshakes.length === 0) return [];
  const get = (list: Row[], server: string, c: number) =>
    list.find((r) => r.server === server && r.connections === c);
  const out = ["", "## TLS"];
  out.push(...prose(`
The TLS servers play the same games over TLS, with an ECDSA P-256 certificate for \`localhost\`
made for the run by \`openssl\`, as the README makes one: \`tls-*\` is our server.ts with
\`--tls-cert\` and \`--tls-key\`; \`bare-tls-*\` is bench/bare_server.ts on the runtime's own TLS
(\`Deno.listenTls\`, \`Bun.listen\` with \`tls\`, \`node:tls\`), the TLS floor; \`bare-tls-deno-node\`
is the same on Deno's \`node:tls\`, which our server's TLS listener uses on Deno. The generator
speaks TLS through OpenSSL with its defaults (TLS 1.3 here), without checking the certificate and
without resuming sessions; every reply is still checked. "Plaintext" is the same server without
TLS at the same concurrency, and "TLS's cost" the difference in server CPU a round trip.`));
  out.push(...table(
    "<server|conns|round trips/s|server CPU µs/round trip|plaintext round trips/s|" +
      "plaintext CPU µs/round trip|TLS's cost µs/round trip",
    secure.map((r) => {
      const plain = get(rows, plaintextOf(r.server), r.connections);
      return [
        ...[r.server, `${r.connections}`, int(r.roundTripsPerS), fixed(2)(r.serverCpuUs)],
        ...[int(plain?.roundTripsPerS ?? NaN), fixed(2)(plain?.serverCpuUs ?? NaN)],
        fixed(2)(r.serverCpuUs - (plain?.serverCpuUs ?? NaN)),
      ];
    }),
  ));
  if (handshakes.length > 0) {
    const n = handshakes[0].connections;
    out.push("", `### Handshakes: ${connections(n)}, each a new TLS connection a round trip`);
    out.push(...prose(`
${n} connections each connect, make a full TLS handshake, send \`PARAMS 1 100\` and \`NUMBER\`,
check the reply, close (with close_notify) and connect again, for ${o.warmup} s of warm-up and
${o.duration} s measured; medians of ${o.runs} run(s). A handshake's time runs from its connect to
its reply. The generator makes the client's half of every handshake, so on a machine with few cores
it may bound the rate: the server's CPU a handshake does not depend on that. "×floor" is ours over
the TLS floor of the same runtime, paired by run.`));
    out.push(...table(
      "<server|handshakes/s|server CPU µs/handshake|×floor|p50 ms|p99 ms|violations|CPU server|CPU gen",
      handshakes.map((r) => {
        const floor = get(handshakes, tlsFloorOf(r.server), r.connections);
        const share = floor && floor !== r ? fixed(2, "×")(1 / pairedShare(r, floor, "cpu")) : "–";
        return [
          ...[r.server, int(r.roundTripsPerS), fixed(1)(r.serverCpuUs), share],
          ...[fixed(2)(r.p50Us / 1000), fixed(2)(r.p99Us / 1000)],
          [`${r.violations}`, r.socketErrors ? `${r.socketErrors} socket errors` : ""]
            .filter(Boolean).join(", "),
          ...[r.serverCpuPercent, r.loadCpuPercent].map(pct),
        ];
      }),
    ));
  }
  return out;
}

/** A WebSocket server's TCP counterpart: our server on the same runtime. */
const tcpOf = (server: string) => server.replace(/^ws-/, "");

/** The WebSocket rows beside TCP, if any ran. No target judges them. */
function webSocketSection(results: Results): string[] {
  const { rows } = results;
  const webSockets = rows.filter((r) => r.server.startsWith("ws-"));
  if (webSockets.length === 0) return [];
  const out = ["", "## WebSocket"];
  out.push(...prose(`
The WebSocket servers (\`ws-*\`) are our server.ts started with \`--web 0\` on each runtime, as
its TCP server is (\`ws-deno\` with the variable, like \`deno\`), measured on its web port: each
connection of the generator sends \`GET /ws\` with the WebSocket upgrade's headers (no
\`Origin\`, as a program's), waits for the \`101\`, then plays the same games, each line it sends
one masked text frame (all of a write in one write), each reply one frame from the server; every
reply is still checked. "TCP" is the same runtime's server over TCP at the same concurrency
(\`deno\` beside \`ws-deno\`); "WebSocket's cost" is the difference in server CPU a round trip,
and "×TCP" the median over runs of WebSocket's round trips/s over TCP's in the same run. No target
is set for WebSocket.`));
  out.push(...table(
    "<server|conns|round trips/s|server CPU µs/round trip|TCP round trips/s|" +
      "TCP CPU µs/round trip|WebSocket's cost µs/round trip|×TCP round trips/s",
    webSockets.map((r) => {
      const tcp = rows.find((t) => t.server === tcpOf(r.server) && t.connections === r.connections);
      return [
        ...[r.server, `${r.connections}`, int(r.roundTripsPerS), fixed(2)(r.serverCpuUs)],
        ...[int(tcp?.roundTripsPerS ?? NaN), fixed(2)(tcp?.serverCpuUs ?? NaN)],
        fixed(2)(r.serverCpuUs - (tcp?.serverCpuUs ?? NaN)),
        tcp ? fixed(2, "×")(pairedShare(r, tcp)) : "–",
      ];
    }),
  ));
  return out;
}

/** How the generator did against the ceiling server and the rest. */
function generatorText(rows: Row[], generator: string): string {
  const best = (list: Row[]) => list.reduce((a, r) => r.roundTripsPerS > a.roundTripsPerS ? r : a);
  const said = (r: Row) =>
    `${int(r.roundTripsPerS)} round trips/s at ${connections(r.connections)} (generator ` +
    `${pct(r.loadCpuPercent)} CPU, server ${pct(r.serverCpuPercent)})`;
  const ceiling = rows.filter((r) => r.server === "ceiling");
  const others = rows.filter((r) => r.server !== "ceiling");
  const peak = int(Math.max(...ceiling.flatMap((r) => r.perRun)));
  const busiest = pct(Math.max(0, ...rows.map((r) => r.loadCpuPercent)));
  return [
    ceiling.length === 0 ? "" : `Against bench/ceiling.c (a minimal C epoll server) the generator
reached ${said(best(ceiling))}; its best single run, ${peak} round trips/s.`,
    others.length === 0 ? "" : `The fastest other server, ${best(others).server}, reached
${said(best(others))}.`,
    `Highest generator CPU in any measurement: ${busiest} of one core. When it approaches 100% (per
load process) the generator, not the server, bounds the rate; on a machine with few cores the server
and the generator also share the CPUs.`,
    generator.includes("--spin 0")
      ? `The generator slept whenever no reply was due: the least CPU for it, but each wake-up is
paid by the server, which then reaches fewer round trips.`
      : `The generator polled for replies before sleeping (yielding the CPU to anything else
runnable), so its CPU includes polling and a high figure does not by itself mean it bounds the
rate; \`--spin 0\` shows its bare cost.`,
  ].filter(Boolean).join(" ");
}

/** What a share of the floor is made of: each run's figures, and which run each was. */
export type Paired = Pick<Row, "perRun" | "cpuPerRun" | "runOf">;

/**
 * Ours as a share of the floor: the median, over the runs both finished, of
 * ours divided by the floor in the same run. The runs are interleaved, so
 * the two of a run were measured one after the other, under the same load
 * of the machine; the ratio of two medians would mix runs measured minutes
 * apart.
 */
export function pairedShare(
  ours: Paired,
  floor: Paired,
  figure: "rate" | "cpu" = "rate",
): number {
  const shares = ours.runOf.flatMap((run, i) => {
    const j = floor.runOf.indexOf(run);
    if (j === -1) return [];
    // Less CPU a round trip is better: the floor's over ours.
    return [
      figure === "rate" ? ours.perRun[i] / floor.perRun[j] : floor.cpuPerRun[j] / ours.cpuPerRun[i],
    ];
  });
  return shares.length === 0 ? NaN : median(shares);
}

/** The median of the numbers that are not NaN (NaN if none is). */
export function median(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The targets' rows: each with our figure, the floor's, the share and whether it is met. */
function targets(
  { rows, footprints, bursts, floods, flood, clients }: Results,
): string[][] {
  const get = (server: string, c: number) =>
    rows.find((r) => r.server === server && r.connections === c);
  const verdict = (met: boolean, value: number) =>
    Number.isFinite(value) ? (met ? "yes" : "**no**") : "n/a";
  const out: string[][] = [];
  const add = (...cells: string[]) => out.push(cells);
  for (const runtime of ["deno", "bun", "node"]) {
    for (const c of [1, 50, 1000]) {
      const [mine, bare] = [get(runtime, c), get(`bare-${runtime}`, c)];
      const [ours, floor] = [mine, bare].map((r) => r?.roundTripsPerS ?? NaN);
      const what = `${runtime}, ${connections(c)}: round trips/s ≥ 95% of floor`;
      const share = mine && bare ? pairedShare(mine, bare) : NaN;
      add(what, int(ours), int(floor), fixed(1, "%")(share * 100), verdict(share >= 0.95, share));
    }
  }
  for (const runtime of ["deno", "bun", "node"]) {
    for (const c of [1, 50, 1000]) {
      const [mine, bare] = [get(runtime, c), get(`bare-${runtime}`, c)];
      const [ours, floor] = [mine, bare].map((r) => r?.serverCpuUs ?? NaN);
      const what = `${runtime}, ${connections(c)}: server CPU µs/round trip ≤ floor's / 95%`;
      const share = mine && bare ? pairedShare(mine, bare, "cpu") : NaN;
      const show = fixed(2, " µs");
      add(what, show(ours), show(floor), fixed(1, "%")(share * 100), verdict(share >= 0.95, share));
    }
  }
  for (const runtime of ["deno", "bun", "node"]) {
    // On Deno also against node:tls there, which our TLS listener uses; the runtime's own judges.
    const floors = [`bare-tls-${runtime}`].concat(runtime === "deno" ? ["bare-tls-deno-node"] : []);
    for (const c of [50, 1000]) {
      for (const floorName of floors) {
        const [mine, bare] = [get(`tls-${runtime}`, c), get(floorName, c)];
        if (!mine && !bare) continue;
        const [ours, floor] = [mine, bare].map((r) => r?.serverCpuUs ?? NaN);
        const what = `${runtime}, TLS, ${connections(c)}: server CPU µs/round trip ≤ ` +
          `${floorName}'s / 95%`;
        const share = mine && bare ? pairedShare(mine, bare, "cpu") : NaN;
        const show = fixed(2, " µs");
        const met = floorName === "bare-tls-deno-node"
          ? "not judged"
          : verdict(share >= 0.95, share);
        add(what, show(ours), show(floor), fixed(1, "%")(share * 100), met);
      }
    }
  }
  const p99 = (server: string) => (get(server, 1000)?.p99Us ?? NaN) / 1000;
  const [deno, plain] = [p99("deno"), p99("deno-plain")];
  const p99Floor = ms(p99("bare-deno"));
  add("deno, 1000 connections: p99 < 25 ms", ms(deno), p99Floor, "–", verdict(deno < 25, deno));
  const plainFloor = ms(p99("bare-deno-plain"));
  if (Number.isFinite(plain)) {
    add("deno-plain, 1000 connections: p99", ms(plain), plainFloor, "–", "not judged");
  }
  const burst = (server: string) => {
    const b = bursts.find((b) => b.server === server);
    const within = fixed(3, " s")(b?.seconds ?? NaN);
    const all = b?.answered === b?.requested;
    const text = !b || all ? within : `${int(b.answered)} of ${int(b.requested)}, ${within}`;
    return { text, met: all && b?.violations === 0 && b.seconds <= 0.5, value: b?.seconds ?? NaN };
  };
  const crowd = int(bursts[0]?.requested ?? 3000);
  for (const runtime of ["deno", "node", "bun"]) {
    const [ours, floor] = [burst(runtime), burst(`bare-${runtime}`)];
    const what = `${runtime}: a burst of ${crowd} answered within 0.5 s`;
    const met = runtime === "bun" ? "not judged" : verdict(ours.met, ours.value);
    add(what, ours.text, floor.text, "–", met);
  }
  // An RSS that did not grow (garbage collected, pages freed) measures nothing.
  const [ours, floor] = ["deno", "bare-deno"].map((server) =>
    Math.max(0, footprints.find((f) => f.server === server)?.bytesPerConnection ?? NaN) || NaN
  );
  const bytes = (n: number) => Number.isFinite(n) ? `${int(n)} bytes` : "n/a";
  const idle = int(footprints[0]?.requested ?? 10_000);
  const what = `deno, ${idle} idle connections: ≤ 8,000 bytes each`;
  add(what, bytes(ours), bytes(floor), "–", verdict(ours <= 8000, ours));
  const flooded = (server: string) => floods.find((r) => r.server === server);
  for (const runtime of ["deno", "bun", "node"]) {
    const [mine, bare] = [flooded(runtime), flooded(`bare-${runtime}`)];
    if (!mine) continue;
    const game = (r: Flood | undefined) =>
      !r ? "n/a" : r.unfinished ? `unfinished (${ms(r.worstGameMs)})` : ms(r.worstGameMs);
    const served = (r: Flood) =>
      r.games === flood.games && r.afterGames === flood.afterGames && r.violations === 0 &&
      r.unfinished === 0 && r.died === 0;
    add(
      `${runtime}, beside ${flood.flooders} flooding peers: every game < 0.5 s, every reply ` +
        `right, served again once they leave`,
      game(mine),
      game(bare),
      "–",
      verdict(served(mine) && mine.worstGameMs < 500, mine.worstGameMs),
    );
    const growth = (r: Flood | undefined) => r ? `${mib(r.growthKb)} MiB` : "n/a";
    const what = `${runtime}, beside ${flood.flooders} flooding peers: RSS grows < 48 MiB`;
    add(what, growth(mine), growth(bare), "–", verdict(mine.growthKb < 48 * 1024, mine.growthKb));
  }
  const client = (runtime: string, kind: ClientKind, c: number) =>
    (clients ?? []).find((r) => r.runtime === runtime && r.client === kind && r.connections === c);
  for (const runtime of ["deno", "bun", "node"]) {
    const [mine, bare] = [client(runtime, "connect", 1), client(runtime, "floor", 1)];
    if (!mine && !bare) continue;
    const share = mine && bare ? pairedShare(mine, bare) : NaN;
    add(
      `${runtime}, the client at 1 connection: connect() round trips/s ≥ 90% of the client floor`,
      int(mine?.roundTripsPerS ?? NaN),
      int(bare?.roundTripsPerS ?? NaN),
      fixed(1, "%")(share * 100),
      verdict(share >= 0.9, share),
    );
  }
  for (const runtime of ["deno", "bun", "node"]) {
    const [mine, bare] = [client(runtime, "connect", 50), client(runtime, "floor", 50)];
    if (!mine && !bare) continue;
    // ≤ 1.1× the floor's CPU a round trip: the floor's over ours ≥ 1 / 1.1.
    const share = mine && bare ? pairedShare(mine, bare, "cpu") : NaN;
    const show = fixed(2, " µs");
    add(
      `${runtime}, the client at 50 connections: connect() client CPU µs/round trip ≤ 1.1× the ` +
        `client floor's`,
      show(mine?.clientCpuUs ?? NaN),
      show(bare?.clientCpuUs ?? NaN),
      fixed(2, "×")(1 / share),
      verdict(share >= 1 / 1.1, share),
    );
  }
  return out;
}
