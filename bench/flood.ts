/**
 * The benchmark's flood mode: a good player beside peers that pipeline without
 * end and never read. `flooders` connections each send `PARAMS 1
 * 1000000000000` and then `floodBytes` of `NUMBER` lines, as fast as the
 * kernel takes them, and never read a byte; once the kernel has taken them
 * all, one player plays honest games of 1..100 one after another (the first
 * guess `Unsure`, then `Warmer` if closer to its secret than the guess
 * before, `Colder` if farther, `Unsure` if as far; `Correct` ends the game),
 * every reply checked (an integer in range, never repeated in its game).
 * Then the flooders leave, and the player plays a few games more. A player's
 * games are timed from `PARAMS` to the reply that was its secret; a game
 * still unfinished at the time bound counts with its age, and the result
 * says so.
 *
 * The player runs in this process, on `node:net`: what it measures is in
 * milliseconds, far above its own cost.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { connect, type Socket } from "node:net";

/** How to flood, and how long to wait. */
export interface FloodOptions {
  /** Flooding connections. */
  flooders: number;
  /** Bytes of `NUMBER` lines each flooder sends. */
  floodBytes: number;
  /** The player's games beside the flooders. */
  games: number;
  /** The player's games once the flooders have left. */
  afterGames: number;
  /** The most the player's games may take in all, beside the flooders, in ms. */
  limitMs: number;
  /** Called once the kernel has taken every flooder's bytes, and once they have left. */
  phase?: (phase: "flooded" | "left") => void;
}

/** What the player saw. */
export interface FloodResult {
  /** Bytes the flooders sent in all. */
  floodBytesSent: number;
  /** Games finished beside the flooders (of `games`). */
  games: number;
  /** The player's round trips beside the flooders: their p50 and p99, in µs. */
  p50Us: number;
  p99Us: number;
  /** Its games' median and worst time beside the flooders, in ms (an unfinished one with its age). */
  medianGameMs: number;
  worstGameMs: number;
  /** Its games after the flooders left: how many finished, and the worst, in ms. */
  afterGames: number;
  afterWorstGameMs: number;
  /** Wrong replies: not an integer in range, or repeated in a game. */
  violations: number;
  /** The first few wrong replies, or what went wrong. */
  samples: string[];
  /** The player finished every game in time. */
  finished: boolean;
}

/** One line-reading connection of the player. */
class Player {
  readonly socket: Socket;
  #buffer = "";
  #wake: (() => void) | undefined;
  #closed = false;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setEncoding("latin1");
    socket.on("data", (text: string) => {
      this.#buffer += text;
      this.#wake?.();
    });
    const closed = () => {
      this.#closed = true;
      this.#wake?.();
    };
    socket.on("close", closed).on("error", closed);
  }

  /** The next reply line, or `undefined` at `deadline` (performance.now()) or the close. */
  async line(deadline: number): Promise<string | undefined> {
    while (!this.#buffer.includes("\n")) {
      const left = deadline - performance.now();
      if (this.#closed || left <= 0) return undefined;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
      this.#wake = undefined;
    }
    const end = this.#buffer.indexOf("\n");
    const line = this.#buffer.slice(0, end);
    this.#buffer = this.#buffer.slice(end + 1);
    return line;
  }
}

function open(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
  });
}

/** A small seeded generator (xorshift32), so that runs play the same secrets. */
function seeded(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/** The value at percentile `p` of sorted numbers. */
function at(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1))];
}

/**
 * Floods the server at `host:port` and plays beside the flood; resolves once
 * the player is done and every connection of its own is closed.
 */
export async function flood(host: string, port: number, o: FloodOptions): Promise<FloodResult> {
  const request = Buffer.from(
    "PARAMS 1 1000000000000\n" + "NUMBER\n".repeat(Math.floor(o.floodBytes / 7)),
  );
  const flooders: Socket[] = [];
  const samples: string[] = [];
  let violations = 0;
  const wrong = (text: string) => {
    violations++;
    if (samples.length < 5) samples.push(text);
  };
  try {
    let sent = 0;
    await Promise.all(Array.from({ length: o.flooders }, async () => {
      const socket = await open(host, port);
      flooders.push(socket);
      socket.on("error", () => {}); // a reset as they leave is expected
      socket.pause(); // never reads
      await new Promise<void>((resolve) => {
        socket.write(request, () => resolve());
        setTimeout(resolve, o.limitMs).unref?.();
      });
      sent += request.length - socket.writableLength;
    }));
    o.phase?.("flooded");
    const first = new Player(await open(host, port));
    const random = seeded(0x5eed);
    const rounds: number[] = [];
    /** Plays one game; its time in ms, or its age at `deadline` if unfinished. */
    const game = async (
      player: Player,
      deadline: number,
    ): Promise<{ ms: number; done: boolean }> => {
      const secret = 1 + Math.floor(random() * 100);
      const start = performance.now();
      const seen = new Set<number>();
      let previous = NaN;
      player.socket.write("PARAMS 1 100\nNUMBER\n");
      for (let sentAt = start;;) {
        const line = await player.line(deadline);
        const now = performance.now();
        if (line === undefined) return { ms: now - start, done: false };
        rounds.push((now - sentAt) * 1000);
        const guess = Number(line);
        if (!/^\d+$/.test(line) || guess < 1 || guess > 100 || seen.has(guess)) {
          wrong(`${JSON.stringify(line.slice(0, 60))} in a game of 1..100`);
          return { ms: now - start, done: false };
        }
        seen.add(guess);
        if (guess === secret) {
          player.socket.write("REPORT Correct\n");
          return { ms: now - start, done: true };
        }
        const distance = Math.abs(guess - secret);
        const word = Number.isNaN(previous) || distance === previous
          ? "Unsure"
          : distance < previous
          ? "Warmer"
          : "Colder";
        previous = distance;
        sentAt = performance.now();
        player.socket.write(`REPORT ${word}\nNUMBER\n`);
      }
    };
    const deadline = performance.now() + o.limitMs;
    const beside: number[] = [];
    let besideDone = 0;
    for (let i = 0; i < o.games; i++) {
      const { ms, done } = await game(first, deadline);
      beside.push(ms);
      if (!done) break;
      besideDone++;
    }
    let finished = besideDone === o.games;
    const besideRounds = rounds.splice(0).sort((a, b) => a - b);
    first.socket.destroy();
    for (const socket of flooders) socket.destroy();
    o.phase?.("left");
    // A new connection: the old one may still have an unfinished game.
    const next = new Player(await open(host, port));
    const after: number[] = [];
    let afterDone = 0;
    const afterDeadline = performance.now() + o.limitMs;
    for (let i = 0; i < o.afterGames; i++) {
      const { ms, done } = await game(next, afterDeadline);
      after.push(ms);
      if (!done) break;
      afterDone++;
    }
    next.socket.destroy();
    finished &&= afterDone === o.afterGames;
    const games = beside.slice().sort((a, b) => a - b);
    return {
      floodBytesSent: sent,
      games: besideDone,
      p50Us: at(besideRounds, 50),
      p99Us: at(besideRounds, 99),
      medianGameMs: at(games, 50),
      worstGameMs: games.at(-1) ?? NaN,
      afterGames: afterDone,
      afterWorstGameMs: after.length ? Math.max(...after) : NaN,
      violations,
      samples,
      finished,
    };
  } finally {
    for (const socket of flooders) socket.destroy();
  }
}
