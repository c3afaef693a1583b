/**
 * The demo: starts the server on Deno on a free port, plays the reference's
 * demo against it with the client on Bun, and stops the server. Run by
 * `npm start` (npm puts the pinned runtimes on PATH).
 */

import process from "node:process";
import { listening, scriptCommand, start } from "../_cli/child.ts";

const server = await start({
  ...scriptCommand("server.ts", { runtime: "deno", args: ["--port", "0"] }),
  stderr: "inherit",
});
try {
  const show = (text: string) => process.stdout.write(text);
  server.onStdout(show);
  const { port } = await listening(server);
  const client = await start({
    ...scriptCommand("client.ts", { runtime: "bun", args: ["--port", String(port)] }),
    stdout: "inherit",
    stderr: "inherit",
  });
  process.exitCode = await client.exited ?? 1;
} finally {
  await server.stop("SIGTERM", { timeout: 10_000 });
}
