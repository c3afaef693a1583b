/**
 * What the two programs share: parsing flags with `node:util`'s `parseArgs`
 * into a one-line error and exit code 2, `--help`, and integer flags.
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { MAX_DELAY } from "../_util/limits.ts";
import { readFileSync } from "node:fs";
import { isPem } from "../_transport/tls.ts";
import { stderr, stdout } from "./output.ts";

/** A bad command line: reported in one line, exit code 2. */
export class UsageError extends Error {
  /** @param message What is wrong. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The flags a program takes, as `parseArgs` wants them. */
export type Flags = Record<
  string,
  { type: "string" | "boolean"; short?: string; default?: string | boolean; multiple?: boolean }
>;

/** The flags both programs take: where the server is, and the language people read. */
export const COMMON_FLAGS: Flags = {
  hostname: { type: "string", default: "127.0.0.1" },
  port: { type: "string", default: "4321" },
  lang: { type: "string" },
};

/** Parses the command line; `undefined` after printing help. */
export function parseFlags(
  usage: string,
  flags: Flags,
  args: string[],
): Record<string, string | string[] | boolean | undefined> | undefined {
  const { values } = parseArgs({
    args,
    options: { ...COMMON_FLAGS, ...flags, help: { type: "boolean", short: "h" } },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    stdout.write(usage);
    return undefined;
  }
  return values as Record<string, string | string[] | boolean | undefined>;
}

/** Reads an integer flag, within bounds. */
export function integer(
  name: string,
  text: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(
      `--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

/** Reads a flag that must be one of `choices`. */
export function choice<T extends string>(name: string, text: string, choices: readonly T[]): T;
/** Reads a flag that, when given, must be one of `choices`. */
export function choice<T extends string>(
  name: string,
  text: string | undefined,
  choices: readonly T[],
): T | undefined;
export function choice<T extends string>(
  name: string,
  text: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (text === undefined) return undefined;
  if (!(choices as readonly string[]).includes(text)) {
    throw new UsageError(
      `--${name} must be ${choices.slice(0, -1).join(", ")} or ${choices.at(-1)}, got ${
        JSON.stringify(text)
      }`,
    );
  }
  return text as T;
}

/** Reads a duration flag in seconds, as milliseconds a timer can wait. */
export function seconds(name: string, text: string): number {
  return integer(name, text, 0, Math.floor(MAX_DELAY / 1000)) * 1000;
}

/** Reads a big integer flag. */
export function bigInteger(name: string, text: string): bigint {
  if (!/^[+-]?\d+$/.test(text)) {
    throw new UsageError(`--${name} must be an integer, got ${JSON.stringify(text)}`);
  }
  return BigInt(text);
}

/**
 * Reads a PEM file named by `--name`: its text, or a usage error that says
 * why it cannot be read or is not PEM.
 */
export function pemFile(name: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const why = (error as { code?: string }).code ?? String(error);
    throw new UsageError(`--${name} ${path}: cannot read it (${why})`);
  }
  if (!isPem(text)) {
    throw new UsageError(`--${name} ${path}: not PEM text (no "-----BEGIN")`);
  }
  return text;
}

/**
 * Runs a program's main function: a usage error is one line and exit code 2,
 * any other error one line and exit code 1; never a stack trace.
 */
export async function run(
  program: string,
  main: (args: string[]) => Promise<number>,
): Promise<void> {
  let code: number;
  try {
    code = await main(process.argv.slice(2));
  } catch (error) {
    const usage = error instanceof UsageError ||
      (error instanceof Error && "code" in error &&
        String(error.code).startsWith("ERR_PARSE_ARGS"));
    // One line, whatever the message: parseArgs's own can run to three.
    const message = (error instanceof Error ? error.message : String(error)).replace(
      /\s*\n\s*/g,
      " ",
    );
    stderr.line(`${program}: ${message}${usage ? ` (see '${program} --help')` : ""}`);
    code = usage ? 2 : 1;
  }
  process.exitCode = code;
}
