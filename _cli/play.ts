/**
 * A person at the keyboard: they hold the secret, the server guesses, and
 * they answer each guess. What their answers leave possible is tracked
 * (_play/answers.ts, which the browser page shares), so an answer that
 * contradicts the earlier ones is refused.
 *
 * @module
 */

import type { GameSession } from "../_client/client.ts";
import { Candidates, parseAnswer } from "../_play/answers.ts";
import { decisionWord, type Messages } from "./messages.ts";

/** Where the game talks to the person. */
export interface Console {
  /** Shows text, as it is (prompts end with no newline). */
  write(text: string): void;
  /** The person's next line, or `undefined` once input has ended. */
  read(): Promise<string | undefined>;
}

/**
 * Plays one game with a person holding the secret.
 *
 * @returns How many guesses it took, or `undefined` if not found within `count`.
 */
export async function play(
  game: GameSession,
  count: number,
  io: Console,
  messages: Messages,
  colour: boolean,
): Promise<number | undefined> {
  io.write(messages.playBanner(game.lower, game.upper) + "\n");
  let candidates = new Candidates(game.lower, game.upper);
  let guesses = 0;
  for await (const n of game.requestNumbers(count)) {
    guesses++;
    while (true) {
      io.write(messages.prompt(guesses, n, candidates.lower, candidates.upper));
      const line = await io.read();
      if (line === undefined) throw new Error(messages.inputEnded);
      const decision = parseAnswer(line);
      if (decision === undefined) {
        io.write(messages.unknownAnswer(line.trim()) + "\n");
        continue;
      }
      const next = candidates.after(n, decision);
      if (next === undefined) {
        io.write(messages.contradiction(decisionWord(messages, decision, colour), n) + "\n");
        continue;
      }
      candidates = next;
      io.write(messages.client(n, decisionWord(messages, decision, colour)) + "\n");
      await game.report(n, decision);
      if (decision === "Correct") {
        io.write(messages.won(n, guesses) + "\n");
        return guesses;
      }
      break;
    }
  }
  io.write(messages.gaveUp(guesses) + "\n");
  return undefined;
}
