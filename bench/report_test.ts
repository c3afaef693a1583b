/**
 * The report's share of the floor: paired by run, so that a run measured
 * under a heavier load of the machine moves ours and the floor together.
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { pairedShare, type Row } from "./report.ts";

function row(perRun: number[], runOf: number[]): Row {
  return { server: "x", connections: 50, perRun, runOf } as unknown as Row;
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
