/**
 * `server.ts --workers N`: more server processes on the same port, each a
 * copy of the program with `--reuse-port`, so every core serves games. Each
 * game lives in one connection, so nothing is shared between them.
 *
 * A worker behaves as the first process does, which passes on what it
 * resolved for itself:
 *
 * - the language: `--lang`, from `LANG` when it was not given;
 * - the colour: `--colour` (not in the usage) when the first process colours,
 *   since a worker's output reaches the terminal through a pipe to it;
 * - on Deno, its permissions: each one it has in full, and for the network at
 *   least the address it listens on; and `--unstable-net`, for `reusePort`;
 * - on Deno, {@linkcode DENO_ENV} in the environment, unless the first
 *   process's environment sets those variables (then they pass on as set).
 *
 * @module
 */

import { type Address, type Child, listening, scriptCommand, start } from "./child.ts";
import process from "node:process";
import { RUNTIME } from "../_transport/detect.ts";

/** Deno's permissions, each of which `--allow-NAME` grants in full. */
const PERMISSIONS: readonly Deno.PermissionName[] = [
  "read",
  "write",
  "net",
  "env",
  "sys",
  "run",
  "ffi",
  // Deno 2 has it (--allow-import), its types not yet.
  "import" as Deno.PermissionName,
];

/** The `deno run` flags that give a worker the permissions this process has. */
function denoFlags(address: Address): string[] {
  const granted = PERMISSIONS.filter((name) =>
    Deno.permissions.querySync({ name }).state === "granted"
  );
  if (granted.length === PERMISSIONS.length) return ["--allow-all", "--unstable-net"];
  const flags = granted.map((name) => `--allow-${name}`);
  if (!granted.includes("net")) {
    const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
    flags.push(`--allow-net=${host}:${address.port}`);
  }
  return [...flags, "--unstable-net"];
}

/**
 * Starts one worker, a copy of this program, and waits until it listens. Its
 * output after its `Listening` line goes to this process's standard output;
 * its standard error is this process's.
 *
 * @param args The worker's flags: this process's, as it resolved them.
 * @param address Where this process listens (on Deno, the worker may listen there).
 * @returns The worker, listening.
 * @throws {Error} when it cannot start or exits before it listens.
 */
export async function startWorker(args: string[], address: Address): Promise<Child> {
  const command = scriptCommand(new URL("../server.ts", import.meta.url), {
    args,
    denoFlags: RUNTIME === "deno" ? denoFlags(address) : [],
  });
  const child = await start({ ...command, stderr: "inherit" });
  try {
    await listening(child, { rest: (text) => process.stdout.write(text) });
  } catch (error) {
    await child.stop("SIGKILL");
    throw new Error(`A worker did not start: ${(error as Error).message}`, { cause: error });
  }
  return child;
}
