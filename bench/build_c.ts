/**
 * Builds the benchmark's C programs with the system's `cc`: the load
 * generator (bench/load.c into bench/out/load) and the generator's ceiling
 * server (bench/ceiling.c into bench/out/ceiling). Each is built once and
 * rebuilt only when its source is newer than the binary. The build goes to a
 * temporary file that is renamed into place, so concurrent builds (a test and
 * a benchmark) never run a half-written binary.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const BENCH = dirname(fileURLToPath(import.meta.url));
/** The C programs: each one's source, and where its binary goes (bench/out/ is git-ignored). */
export const C_PROGRAMS: Record<"load" | "ceiling", { source: string; binary: string }> = {
  load: { source: join(BENCH, "load.c"), binary: join(BENCH, "out", "load") },
  ceiling: { source: join(BENCH, "ceiling.c"), binary: join(BENCH, "out", "ceiling") },
};
/** The compiler's flags; the build must stay warning-free with them. */
export const CC_FLAGS: string[] = ["-O2", "-Wall", "-Wextra"];

/** A usable binary, or why there is none. */
export type Build =
  | { ok: true; path: string; compiler: string; rebuilt: boolean; warnings: string }
  | { ok: false; error: string };

/** The first line of `cc --version`, or null when there is no `cc`. */
export function compilerVersion(cc = "cc"): string | null {
  const result = spawnSync(cc, ["--version"], { encoding: "utf8", timeout: 10_000 });
  if (result.error || result.status !== 0) return null;
  return result.stdout.split("\n")[0].trim();
}

/** Compiles one of {@linkcode C_PROGRAMS} unless its binary is newer than its source. */
export function buildC(program: keyof typeof C_PROGRAMS, cc = "cc"): Build {
  const { source, binary } = C_PROGRAMS[program];
  const compiler = compilerVersion(cc);
  const fresh = existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs;
  if (fresh) {
    return {
      ok: true,
      path: binary,
      compiler: compiler ?? "an earlier build (no `cc` now)",
      rebuilt: false,
      warnings: "",
    };
  }
  if (compiler === null) return { ok: false, error: `no C compiler (\`${cc} --version\` failed)` };
  mkdirSync(dirname(binary), { recursive: true });
  const temporary = `${binary}.${process.pid}.${Date.now()}.tmp`;
  const result = spawnSync(cc, [...CC_FLAGS, "-o", temporary, source], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (result.error || result.status !== 0) {
    rmSync(temporary, { force: true });
    const why = (result.stderr || String(result.error ?? "")).trim().split("\n").slice(0, 6);
    return { ok: false, error: `${cc} failed: ${why.join(" | ")}` };
  }
  renameSync(temporary, binary);
  const warnings = result.stderr.trim();
  return { ok: true, path: binary, compiler, rebuilt: true, warnings };
}
