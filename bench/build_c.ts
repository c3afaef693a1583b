/**
 * Builds the benchmark's C programs with the system's `cc`: bench/load.c and
 * bench/ceiling.c into bench/out/, each only when its source is newer than its
 * binary, through a temporary file renamed into place, so that concurrent
 * builds (a test and a benchmark) never run a half-written binary. The load
 * generator is built with TLS (OpenSSL's `libssl`) where it links, and
 * without it elsewhere; its `--help` says which.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const BENCH = dirname(fileURLToPath(import.meta.url));

/** A usable binary, built by `compiler` (`tls`: it speaks TLS), or why there is none (one line). */
export type Build =
  | { ok: true; path: string; compiler: string; warnings: string; tls: boolean }
  | { ok: false; error: string };

/** How each program may be compiled, tried in order: the load generator with OpenSSL first. */
const FLAVOURS: Record<"load" | "ceiling", { defines: string[]; libraries: string[] }[]> = {
  load: [{ defines: ["-DLOAD_TLS"], libraries: ["-lssl", "-lcrypto"] }, {
    defines: [],
    libraries: [],
  }],
  ceiling: [{ defines: [], libraries: [] }],
};

/** Whether a built load generator speaks TLS: its `--help` lists `--tls` only then. */
function speaksTls(binary: string): boolean {
  const help = spawnSync(binary, ["--help"], { encoding: "utf8", timeout: 10_000 });
  return /--tls/.test(help.stdout ?? "");
}

/** Compiles bench/PROGRAM.c into bench/out/PROGRAM (git-ignored) unless the binary is newer. */
export function buildC(program: "load" | "ceiling"): Build {
  const source = join(BENCH, `${program}.c`);
  const binary = join(BENCH, "out", program);
  const version = spawnSync("cc", ["--version"], { encoding: "utf8", timeout: 10_000 });
  if (version.error || version.status !== 0) {
    return {
      ok: false,
      error:
        `the benchmark needs a C compiler: no working \`cc\` on PATH to build bench/${program}.c`,
    };
  }
  const compiler = version.stdout.split("\n")[0].trim();
  const tls = () => program === "load" && speaksTls(binary);
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) {
    return { ok: true, path: binary, compiler, warnings: "", tls: tls() };
  }
  mkdirSync(dirname(binary), { recursive: true });
  const temporary = `${binary}.${process.pid}.${Date.now()}.tmp`;
  let why: string[] = [];
  for (const { defines, libraries } of FLAVOURS[program]) {
    // Libraries go after the source, which needs them.
    const args = ["-O2", "-Wall", "-Wextra", ...defines, "-o", temporary, source, ...libraries];
    const result = spawnSync("cc", args, { encoding: "utf8", timeout: 60_000 });
    if (!result.error && result.status === 0) {
      renameSync(temporary, binary);
      return { ok: true, path: binary, compiler, warnings: result.stderr.trim(), tls: tls() };
    }
    rmSync(temporary, { force: true });
    why = (result.stderr || String(result.error ?? "")).trim().split("\n").slice(0, 6);
  }
  return { ok: false, error: `bench/${program}.c did not build: ${why.join(" | ")}` };
}
