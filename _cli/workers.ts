/**
 * `server.ts --workers N`: more server processes on the same port, each a
 * copy of the program with `--reuse-port`, so every core serves games. Each
 * game lives in one connection, so nothing is shared between them.
 *
 * @module
 */

import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { RUNTIME } from "../_transport/detect.ts";

/** A worker process. */
export interface Worker {
  /** Its process id. */
  readonly pid: number;
  /** Settles with its exit code when it has exited. */
  readonly exited: Promise<number | null>;
  /** Asks it to shut down, as SIGTERM does. */
  stop(): void;
}

/** The command line that runs the server program again on this runtime. */
function self(args: string[]): [string, string[]] {
  const url = new URL("../server.ts", import.meta.url);
  const script = url.protocol === "file:" ? fileURLToPath(url) : url.href;
  const runtime = RUNTIME === "deno" ? ["run", "--allow-net", "--unstable-net", script] : [script];
  return [process.execPath, [...runtime, ...args]];
}

/**
 * Starts one worker with the given flags and waits until it listens. Its
 * output, after its `Listening` line, goes to this process's output.
 */
export function startWorker(args: string[]): Promise<Worker> {
  const [command, full] = self(args);
  const child = spawn(command, full, { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return new Promise((resolve, reject) => {
    let head = "";
    const onData = (text: string) => {
      head += text;
      const end = head.indexOf("\n");
      if (end === -1) return;
      child.stdout!.off("data", onData);
      process.stdout.write(head.slice(end + 1));
      child.stdout!.on("data", (more: string) => process.stdout.write(more));
      resolve({ pid: child.pid!, exited, stop: () => child.kill("SIGTERM") });
    };
    child.stdout!.setEncoding("utf8").on("data", onData);
    child.on("error", reject);
    exited.then((code) => reject(new Error(`A worker exited with ${code} before it listened`)));
  });
}
