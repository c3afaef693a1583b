/**
 * The demo: starts the server on Deno on a free port, plays the reference's
 * demo against it with the client on Bun, and stops the server. Run by
 * `npm start` (npm puts the pinned runtimes on PATH).
 */

import { spawn } from "node:child_process";
import process from "node:process";

const server = spawn("deno", ["run", "--allow-net", "server.ts", "--port", "0"], {
  stdio: ["ignore", "pipe", "inherit"],
});
let shown = "";
const port = await new Promise<string>((resolve, reject) => {
  server.on("error", reject);
  server.on("exit", (code) => reject(new Error(`the server exited with ${code}`)));
  server.stdout.setEncoding("utf8").on("data", (text: string) => {
    process.stdout.write(text);
    shown += text;
    const match = shown.match(/Listening on [^\s]+:(\d+)/);
    if (match) resolve(match[1]);
  });
});
const client = spawn("bun", ["client.ts", "--port", port], { stdio: "inherit" });
const code = await new Promise<number | null>((resolve) => client.on("exit", resolve));
server.kill("SIGTERM");
await new Promise((resolve) => server.on("close", resolve));
process.exitCode = code ?? 1;
