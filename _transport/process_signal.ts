/**
 * Signals as Node and Bun deliver them, through `process`.
 *
 * @module
 */

import process from "node:process";

/** SIGINT and SIGTERM through `process`, as Node and Bun deliver them. */
export function onProcessSignal(listener: () => void): () => void {
  process.on("SIGINT", listener);
  process.on("SIGTERM", listener);
  return () => {
    process.off("SIGINT", listener);
    process.off("SIGTERM", listener);
  };
}
