/**
 * The report's share of the floor: paired by run, so that a run measured
 * under a heavier load of the machine moves ours and the floor together.
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type ClientRow,
  type Flood,
  pairedShare,
  report,
  type Results,
  type Row,
} from "./report.ts";

/** A machine for reports whose machine does not matter. */
const MACHINE: Results["machine"] = {
  command: "x",
  generator: "x",
  date: "x",
  cpu: "x",
  kernel: "x",
  nproc: 2,
  memoryGiB: 1,
  openFiles: "1024",
  versions: { node: "x", deno: "x", bun: "x", python: "x" },
};

function row(perRun: number[], runOf: number[], cpuPerRun: number[] = []): Row {
  return { server: "x", connections: 50, perRun, cpuPerRun, runOf } as unknown as Row;
}

test("the share of the floor is the median of each run's ratio, not the ratio of medians", () => {
  // Run 2 is slow for both (the machine was busy): each run's ratio is 0.9.
  const floor = row([100, 50, 100], [1, 2, 3]);
  const ours = row([90, 45, 90], [1, 2, 3]);
  assert.equal(pairedShare(ours, floor), 0.9);
  // The floor slowed in runs 2 and 3, ours only in run 2: the medians' ratio
  // (90 / 60) would say 1.5; the runs say 0.95, 0.96 and 1.5.
  const drift = pairedShare(row([95, 48, 90], [1, 2, 3]), row([100, 50, 60], [1, 2, 3]));
  assert.equal(drift, 0.96);
});

test("runs that only one of the two finished are left out; none in common is NaN", () => {
  const floor = row([100, 200], [1, 3]);
  const ours = row([50, 90, 180], [1, 2, 3]);
  assert.equal(pairedShare(ours, floor), (0.5 + 0.9) / 2);
  assert.ok(Number.isNaN(pairedShare(row([1], [2]), row([1], [1]))));
});

test("the CPU share is the floor's CPU a round trip over ours, paired by run", () => {
  // Ours takes 5 µs where the floor takes 4.5: 90%, whatever the run.
  const ours = row([1, 1, 1], [1, 2, 3], [5, 10, 5]);
  const floor = row([1, 1, 1], [1, 2, 3], [4.5, 9, 4.5]);
  assert.equal(pairedShare(ours, floor, "cpu"), 0.9);
});

test("the flood targets hold only when every game was quick, right and finished", () => {
  const good: Flood = {
    server: "deno",
    samples: [],
    note: "",
    flooders: 64,
    floodBytesSent: 134_200_000,
    games: 20,
    afterGames: 5,
    p50Us: 80,
    p99Us: 2000,
    medianGameMs: 10,
    worstGameMs: 55,
    afterWorstGameMs: 19,
    growthKb: 9000,
    violations: 0,
    unfinished: 0,
    died: 0,
  };
  const results = (floods: Flood[], clients: ClientRow[] = []): Results => ({
    machine: MACHINE,
    options: { duration: 1, warmup: 1, loadProcs: 1, runs: 1, floodRuns: 3 },
    reference: "x",
    rows: [],
    footprints: [],
    bursts: [],
    floods,
    flood: { flooders: 64, floodBytes: 2 ** 21, games: 20, afterGames: 5, limitMs: 10_000 },
    clients,
    notes: [],
  });
  const verdicts = (floods: Flood[]) =>
    report(results(floods)).split("\n").filter((l) => l.includes("flooding peers:"))
      .map((l) => l.split(" | ").at(-1)!.replace(/ \|$/, ""));
  assert.deepEqual(verdicts([good]), ["yes", "yes"]);
  assert.deepEqual(verdicts([{ ...good, worstGameMs: 600 }]), ["**no**", "yes"]);
  assert.deepEqual(verdicts([{ ...good, afterGames: 4 }]), ["**no**", "yes"]);
  assert.deepEqual(verdicts([{ ...good, violations: 1 }]), ["**no**", "yes"]);
  assert.deepEqual(verdicts([{ ...good, unfinished: 1 }]), ["**no**", "yes"]);
  assert.deepEqual(verdicts([{ ...good, growthKb: 48 * 1024 }]), ["yes", "**no**"]);
  const table = report(results([good, { ...good, server: "bare-deno", unfinished: 3 }]));
  assert.match(table, /\| bare-deno \| 128\.0 \| 20 of 20 \|.*\| unfinished in 3 of 3 runs \|/);

  // The client's targets: 90% of the floor's round trips/s at 1 connection,
  // at most 1.1× its CPU a round trip at 50; each paired by run.
  const client = (
    kind: ClientRow["client"],
    connections: number,
    perRun: number[],
    cpu: number[],
  ) => ({
    runtime: "bun",
    client: kind,
    connections,
    roundTripsPerS: perRun[1],
    clientCpuUs: cpu[1],
    perRun,
    cpuPerRun: cpu,
    runOf: [1, 2, 3],
  });
  const clientVerdicts = (rows: ClientRow[]) =>
    report(results([], rows)).split("\n").filter((l) => l.includes("the client at"))
      .map((l) => l.split(" | ").at(-1)!.replace(/ \|$/, ""));
  const floors = [
    client("floor", 1, [100, 100, 50], [1, 1, 1]),
    client("floor", 50, [1, 1, 1], [4, 4, 8]),
  ];
  assert.deepEqual(
    clientVerdicts([
      ...floors,
      client("connect", 1, [91, 90, 45], [1, 1, 1]),
      client("connect", 50, [1, 1, 1], [4.3, 4.3, 8.6]),
    ]),
    ["yes", "yes"],
  );
  assert.deepEqual(
    clientVerdicts([
      ...floors,
      client("connect", 1, [89, 89, 50], [1, 1, 1]),
      client("connect", 50, [1, 1, 1], [4.5, 4.5, 8]),
    ]),
    ["**no**", "**no**"],
  );
  assert.match(report(results([], floors)), /\| bun +\| floor +\| +50 \|/);
});

test("the TLS targets judge ours against the runtime's own TLS floor, by CPU a round trip", () => {
  const at = (server: string, connections: number, cpu: number[], perRun = [1, 1, 1]): Row => ({
    ...row(perRun, [1, 2, 3], cpu),
    server,
    connections,
    roundTripsPerS: perRun[1],
    serverCpuUs: cpu[1],
    p50Us: 20_000,
    p99Us: 40_000,
    notes: [],
  } as Row);
  const rows = [
    at("bun", 50, [4, 4, 4]),
    at("bare-tls-bun", 50, [9.6, 9.6, 19.2]),
    at("tls-bun", 50, [10, 10, 20]), // 96% of the floor in every run
    at("bare-tls-bun", 1000, [9, 9, 9]),
    at("tls-bun", 1000, [10, 10, 10]), // 90%
    at("bare-tls-deno", 50, [20, 20, 20]),
    at("bare-tls-deno-node", 50, [29, 29, 29]),
    at("tls-deno", 50, [30, 30, 30]),
  ];
  const handshakes = [at("bare-tls-bun", 50, [250, 250, 250]), at("tls-bun", 50, [300, 300, 300])];
  const text = report({
    machine: MACHINE,
    options: { duration: 1, warmup: 1, loadProcs: 1, runs: 3, floodRuns: 3 },
    reference: "x",
    rows,
    footprints: [],
    bursts: [],
    floods: [],
    flood: { flooders: 64, floodBytes: 2 ** 21, games: 20, afterGames: 5, limitMs: 10_000 },
    handshakes,
    notes: [],
  });
  const verdicts = text.split("\n").filter((l) => l.includes(", TLS, "))
    .map((l) => l.split(" | ").slice(-2).join(" | ").replace(/ \|$/, ""));
  assert.deepEqual(verdicts, [
    "66.7% | **no**", // deno at 50 against Deno.listenTls
    "96.7% | not judged", // against node:tls on Deno
    "96.0% | yes",
    "90.0% | **no**",
  ]);
  // Beside plaintext: TLS's cost is the difference in CPU a round trip.
  assert.match(text, /\| tls-bun +\| +50 \| +1 \| +10\.00 \| +1 \| +4\.00 \| +6\.00 \|/);
  assert.match(text, /\| tls-bun +\| +1 \| +300\.0 \| +1\.20× \|/);
  assert.match(text, /\| bare-tls-bun +\| +1 \| +250\.0 \| +– +\|/);
});

test("the WebSocket section sets each ws row beside its TCP server, and is absent without one", () => {
  const at = (server: string, connections: number, perRun: number[], cpu: number[]): Row => ({
    ...row(perRun, [1, 2, 3], cpu),
    server,
    connections,
    roundTripsPerS: perRun[1],
    serverCpuUs: cpu[1],
    p50Us: 300,
    p99Us: 900,
    notes: [],
  } as Row);
  const results = (rows: Row[]): Results => ({
    machine: MACHINE,
    options: { duration: 1, warmup: 1, loadProcs: 1, runs: 3, floodRuns: 3 },
    reference: "x",
    rows,
    footprints: [],
    bursts: [],
    floods: [],
    flood: { flooders: 64, floodBytes: 2 ** 21, games: 20, afterGames: 5, limitMs: 10_000 },
    notes: [],
  });
  const tcp = [
    at("deno", 50, [100_000, 100_000, 50_000], [8, 8, 16]),
    at("bun", 1, [30_000, 30_000, 30_000], [20, 20, 20]),
    at("bun", 50, [200_000, 200_000, 200_000], [4, 4, 4]),
  ];
  const text = report(results([
    ...tcp,
    // Paired by run, 0.6, 0.3 and 0.6 of deno's: 0.6 (the medians' ratio would say 0.3).
    at("ws-deno", 50, [60_000, 30_000, 30_000], [12.5, 12.5, 25]),
    at("ws-bun", 50, [150_000, 150_000, 150_000], [5.25, 5.25, 5.25]),
    at("ws-node", 50, [40_000, 40_000, 40_000], [25, 25, 25]), // no node row: no TCP figures
  ]));
  assert.ok(text.includes("\n## WebSocket\n"), "a WebSocket section");
  const section = text.slice(text.indexOf("\n## WebSocket\n"), text.indexOf("\n## Targets\n"));
  const cells = (line: string) => line.split("|").slice(1, -1).map((cell) => cell.trim());
  const lines = section.split("\n").filter((l) => l.startsWith("| ws-")).map(cells);
  // Round trips/s and CPU µs a round trip of each, then TCP's, the difference and the ratio.
  assert.deepEqual(lines, [
    ["ws-deno", "50", "30,000", "12.50", "100,000", "8.00", "4.50", "0.60×"],
    ["ws-bun", "50", "150,000", "5.25", "200,000", "4.00", "1.25", "0.75×"],
    ["ws-node", "50", "40,000", "25.00", "n/a", "n/a", "n/a", "–"],
  ]);
  // No target judges WebSocket.
  assert.ok(!/ws-|WebSocket/.test(text.slice(text.indexOf("\n## Targets\n"))));
  assert.ok(!report(results(tcp)).includes("WebSocket"), "no WebSocket section without ws rows");
});
