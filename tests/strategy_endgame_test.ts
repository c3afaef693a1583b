import { test } from "node:test";
import assert from "node:assert/strict";
import { Endgame } from "../_strategy/smart/endgame.ts";
import type { Game } from "../_strategy/smart/game.ts";

/**
 * A position from a real game of the `smart` strategy: over 1..323 with the
 * secret 146, its first five guesses are 7, 165, 245, 45 and 305. The reports
 * leave 146..174 less 165, which was guessed: 28 numbers, with 5 guesses left
 * to the bound of 10. Here the guesser calls the endgame search, which (in
 * the order it tries guesses now) looks at 112 positions and returns 15.
 * About half of them go to its first try, 14, the guess nearest a balanced
 * split, which fails: some answer to it cannot be played out.
 */
const LAST = 305n;
const LEFT = 5;
const CANDIDATES: readonly bigint[] = Array.from({ length: 29 }, (_, i) => 146n + BigInt(i))
  .filter((v) => v !== 165n);

/** The game at that position, with a set of guesses of its own. */
function position(): Game & { readonly guessed: Set<bigint> } {
  return { lower: 1n, upper: 323n, guessed: new Set([7n, 165n, 245n, 45n, 305n]), limit: 10 };
}

/** What an honest client reports for `guess` after `last`: Warmer 1, Colder -1, Unsure 0. */
function report(last: bigint, guess: bigint, secret: bigint): number {
  const before = last > secret ? last - secret : secret - last;
  const now = guess > secret ? guess - secret : secret - guess;
  return now < before ? 1 : now > before ? -1 : 0;
}

/** The smallest budget with which one search of the position, on a new `Endgame`, finds a guess. */
function need(): number {
  for (let budget = 0; budget <= 4000; budget++) {
    if (new Endgame(position(), budget).search(CANDIDATES, LAST, LEFT) !== undefined) return budget;
  }
  throw new Error("no guess within 4000 positions");
}

test("the default budget finds a guess after which every secret is found with no repeat", () => {
  const guess = new Endgame(position()).search(CANDIDATES, LAST, LEFT);
  assert.ok(guess !== undefined, "no guess found");
  assert.ok(guess >= 1n && guess <= 323n, `${guess} is out of range`);
  assert.ok(!position().guessed.has(guess), `${guess} was guessed before`);
  // Play every secret out as the guesser does: search, record, narrow by the
  // report. Each must end at the secret within LEFT guesses, none a repeat.
  for (const secret of CANDIDATES) {
    const game = position();
    const endgame = new Endgame(game);
    let candidates = CANDIDATES;
    let last = LAST;
    const guesses: bigint[] = [];
    for (;;) {
      const next = endgame.search(candidates, last, LEFT - guesses.length);
      const play = `secret ${secret}: ${guesses.join(" ")} then ${next}`;
      assert.ok(next !== undefined && next >= 1n && next <= 323n, play);
      assert.ok(!game.guessed.has(next), `${play}, a repeat`);
      if (guesses.length === 0) assert.equal(next, guess, play);
      guesses.push(next);
      game.guessed.add(next);
      endgame.record(next);
      if (next === secret) break;
      assert.ok(guesses.length < LEFT, `${play}: not found within ${LEFT} guesses`);
      const said = report(last, next, secret);
      candidates = candidates.filter((v) => v !== next && report(last, next, v) === said);
      last = next;
    }
  }
});

test("a budget smaller than the position needs gives up with undefined", () => {
  const found = new Endgame(position()).search(CANDIDATES, LAST, LEFT);
  assert.ok(found !== undefined);
  const least = need();
  assert.ok(least > 2, `${least} positions are enough`);
  for (const budget of [0, 1, 2, least - 1]) {
    assert.equal(new Endgame(position(), budget).search(CANDIDATES, LAST, LEFT), undefined);
  }
  assert.equal(new Endgame(position(), least).search(CANDIDATES, LAST, LEFT), found);
  // Two numbers with two guesses left are one position to look at: a guess
  // of one of them (146 here) leaves at most the other, settled without a look.
  const pair = [146n, 147n];
  assert.equal(new Endgame(position(), 0).search(pair, LAST, 2), undefined);
  assert.ok(new Endgame(position(), 1).search(pair, LAST, 2) !== undefined);
});

test("a search out of budget stores no outcome for its position, only those it settled", () => {
  const found = new Endgame(position()).search(CANDIDATES, LAST, LEFT);
  const least = need();
  // One position short: the first search gives up, having settled all but
  // the few it was still in. The second looks up what was settled, so the
  // same budget reaches the end, as it would not if the table had kept the
  // first search's out-of-budget outcome.
  const endgame = new Endgame(position(), least - 1);
  assert.equal(endgame.search(CANDIDATES, LAST, LEFT), undefined);
  assert.equal(endgame.search(CANDIDATES, LAST, LEFT), found);
  // A search that gives up leaves unsettled only the positions it was in,
  // and only those with 2 guesses left or more were counted: at most 4 here
  // (5, 4, 3 and 2 left). So with a budget of 8 each search settles 4 or
  // more, and repeated searches get there.
  const small = new Endgame(position(), 8);
  let guess: bigint | undefined;
  let searches = 0;
  while (guess === undefined && searches < least) {
    guess = small.search(CANDIDATES, LAST, LEFT);
    searches++;
  }
  assert.equal(guess, found, `after ${searches} searches with a budget of 8`);
  assert.ok(searches > 1, "one search with a budget of 8 was enough");
});
