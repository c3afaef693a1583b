/**
 * `server.ts --workers N`: more server processes on the same port, each a
 * copy of the program with `--reuse-port`, so every core serves games. Each
 * game lives in one connection, so nothing is shared between them.
 *
 * @module
 */

import { type Child, listening, scriptCommand, start } from "./child.ts";
import process from "node:process";

/**
 * Starts one worker, a copy of this program, and waits until it listens. Its
 * output after its `Listening` line goes to this process's standard output;
 * its standard error is this process's.
 *
 * @param args The worker's flags.
 * @returns The worker, listening.
 * @throws {Error} when it cannot start or exits before it listens.
 */
export async function startWorker(args: string[]): Promise<Child> {
  const command = scriptCommand(new URL("../server.ts", import.meta.url), {
    args,
    denoFlags: ["--allow-net", "--unstable-net"],
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
