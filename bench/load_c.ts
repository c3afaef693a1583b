/**
 * Builds the C load generator (bench/load.c) into bench/out/load with the
 * system's `cc`, once: it is rebuilt only when load.c is newer than the
 * binary. The build goes to a temporary file that is renamed into place, so
 * concurrent builds (a test and a benchmark) never run a half-written binary.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const BENCH = dirname(fileURLToPath(import.meta.url));
/** The C source. */
export const LOAD_C_SOURCE: string = join(BENCH, "load.c");
/** Where the binary goes (bench/out/ is git-ignored). */
export const LOAD_C_BINARY: string = join(BENCH, "out", "load");
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

/** Compiles bench/load.c into bench/out/load unless the binary is newer than the source. */
export function buildLoadC(cc = "cc"): Build {
  const compiler = compilerVersion(cc);
  const fresh = existsSync(LOAD_C_BINARY) &&
    statSync(LOAD_C_BINARY).mtimeMs >= statSync(LOAD_C_SOURCE).mtimeMs;
  if (fresh) {
    return {
      ok: true,
      path: LOAD_C_BINARY,
      compiler: compiler ?? "an earlier build (no `cc` now)",
      rebuilt: false,
      warnings: "",
    };
  }
  if (compiler === null) return { ok: false, error: `no C compiler (\`${cc} --version\` failed)` };
  mkdirSync(dirname(LOAD_C_BINARY), { recursive: true });
  const temporary = `${LOAD_C_BINARY}.${process.pid}.${Date.now()}.tmp`;
  const result = spawnSync(cc, [...CC_FLAGS, "-o", temporary, LOAD_C_SOURCE], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (result.error || result.status !== 0) {
    rmSync(temporary, { force: true });
    const why = (result.stderr || String(result.error ?? "")).trim().split("\n").slice(0, 6);
    return { ok: false, error: `${cc} failed: ${why.join(" | ")}` };
  }
  renameSync(temporary, LOAD_C_BINARY);
  const warnings = result.stderr.trim();
  return { ok: true, path: LOAD_C_BINARY, compiler, rebuilt: true, warnings };
}
