/**
 * The `smart` strategy: IOI 2010's "Hotter Colder" play. It keeps the interval
 * of numbers the reports still allow and picks each guess so that its midpoint
 * with the guess before it (where "Warmer" turns into "Colder") splits that
 * interval as evenly as it can, every guess inside the game's range.
 *
 * Bound: over a range of N numbers it ends with a guess equal to the secret
 * within W + 1 guesses, where W is the largest integer with 2^W <= 3N (W
 * guesses to know the number, one to say it), whatever the secret, provided
 * every guess is reported. That is IOI 2010's full-score bound, and the best
 * possible worst case for some N (1..21, for one, needs 6 guesses).
 *
 * How: the first guess of a game tells nothing (its report is always
 * "Unsure"), so guesses go in pairs x, y whose midpoint s splits the range.
 * "Warmer" leaves the numbers above s with y, the last guess, about a third of
 * the way into them; from there each guess is the reflection of the previous
 * one about the middle of what is left, which halves it. That third is what
 * keeps every later reflection inside the range: near the top of the range
 * the reflections have no room above, and below they swing out by about a
 * third of the interval, into the numbers below s. "Colder" leaves the numbers
 * below s with the last guess above them, where a reflection would fall below
 * the range: there one cheap guess at the lowest number not yet guessed
 * re-positions (its report tells nothing), and the play starts over on that
 * prefix with two guesses fewer. Sizes come from C(w), the most numbers w
 * guesses sort out this way: C(w) = C(w - 2) + 2^(w - 1), at least
 * (2^(w + 1) - 1) / 3, so a game needs at most the W guesses to know.
 *
 * Cost: O(1) bigint operations per guess (O(log N) once, to start a game),
 * plus the bounded checks below; memory O(1) in N besides the list of
 * guesses (at most W + 1 with honest reports) and the endgame search's table
 * (bounded). Randomness is used only after a lie.
 *
 * Repeats: a number guessed before is known not to be the secret, so the
 * strategy avoids guessing it again whenever a check finds a fresh guess that
 * keeps the bound. The re-positioning guess takes the lowest number not yet
 * guessed. With five guesses or fewer left to the bound, it walks every
 * answer of the plan's remaining play, and if some answer would lead to a
 * repeat it searches exactly (up to 4000 positions) for a play with none.
 * Earlier, a planned guess that would repeat is moved by a step or two, or a
 * pair spread by a step, when a walk of every answer of the remaining play
 * (over at most 65536 numbers) shows the bound still holds. It can still
 * repeat where no check succeeds: in about 0.3% of the games over 1..N for N
 * up to 3000 (the smallest such N is 170), and, in some bigger ranges (from a
 * few hundred thousand numbers), at a pair's second guess for every game that
 * reaches that pair. A repeat never breaks the bound, and the last guess, the
 * one that says the number, is never a repeat.
 *
 * Liars: reports that no secret could give (say "Warmer" for a first guess,
 * or answers that leave no number) empty the interval. The strategy then
 * guesses uniformly at random over the whole range, skipping every number
 * already guessed, and returns `undefined` only once every number of the range
 * has been guessed. If `next()` is called again before the last guess was
 * reported, it plays on from what it knows, with the bound counted afresh.
 *
 * @module
 */

import type { Decision } from "../protocol.ts";
import type { Guesser, Strategy } from "./types.ts";

/** With this many guesses left to the bound or fewer, the endgame checks for repeats. */
const ENDGAME = 5;
/** Positions one endgame search may try before giving up on a repeat-free play. */
const SEARCH_NODES = 4000;
/** Most numbers a walk through the plan's remaining play may cover. */
const WALK_LIMIT = 65536n;
/** Offsets up to this size are exact in doubles, with room for sums. */
const EXACT = 2n ** 50n;

/** Bits in the binary form of a positive `n`. */
function bitLength(n: bigint): number {
  return n.toString(2).length;
}

/** C(w): the most numbers w guesses sort out from a fresh interval. */
function capacity(w: number): bigint {
  return w < 0 ? 0n : ((1n << BigInt(w + 1)) + 1n) / 3n;
}

/**
 * The most numbers `left` guesses can settle even with the best placed
 * previous guess: each guess may be the secret, split off the midpoint, and
 * leave at most this many fewer on either side.
 */
function reach(left: number): number {
  return left < 1 ? 0 : 3 * 2 ** (left - 1) - 2;
}

/**
 * Where in an interval of m numbers at the top of the range the previous guess
 * must be, counted from the interval's bottom plus one, so that reflecting
 * about the middle never leaves the range: f(m) = ceil(m/2) - f(floor(m/2)),
 * 1 below 5. The top half keeps the same shape, so the rule holds all the way.
 */
function third(m: bigint): bigint {
  const chain: bigint[] = [];
  for (; m >= 5n; m >>= 1n) chain.push(m);
  let f = 1n;
  for (let i = chain.length - 1; i >= 0; i--) f = ((chain[i] + 1n) >> 1n) - f;
  return f;
}

/** A 32-bit word from a source of numbers in [0, 1). */
function word(random: () => number): number {
  const r = random();
  return r >= 0 && r < 1 ? Math.floor(r * 2 ** 32) >>> 0 : 0;
}

/** A uniform bigint in [0, n), for n >= 1. */
function below(n: bigint, random: () => number): bigint {
  if (n <= 1n) return 0n;
  const bits = bitLength(n - 1n);
  for (let tries = 0; tries < 64; tries++) {
    let v = 0n;
    for (let b = 0; b < bits; b += 32) v = (v << 32n) | BigInt(word(random));
    v = BigInt.asUintN(bits, v);
    if (v < n) return v;
  }
  return BigInt(word(random)) % n; // a source this skewed gets a skewed pick
}

type Phase = "round" | "pairX" | "pairY" | "pairWait" | "hot" | "known";

/**
 * The plan the bound rests on, over a structural interval [l, r] that the
 * reports narrow exactly. `w` counts the guesses the rounds still have.
 */
class Plan {
  l: bigint;
  r: bigint;
  w: number;
  first: boolean;
  phase: Phase = "round";
  x = 0n;
  y = 0n;
  known = 0n;
  override: bigint | undefined;

  constructor(l: bigint, r: bigint, w: number, first: boolean) {
    this.l = l;
    this.r = r;
    this.w = w;
    this.first = first;
  }

  /**
   * Plans a round's pair: x tells nothing, then y's midpoint with x splits
   * [l, r]. False if at most one number is left to split.
   */
  startRound(isGuessed: (v: bigint) => boolean): boolean {
    while (this.l < this.r && isGuessed(this.l)) this.l++;
    const { l, r, w } = this;
    if (l >= r || w < 2) {
      this.known = l;
      this.phase = "known";
      return false;
    }
    const s = l + capacity(w - 2);
    if (!this.first) {
      this.x = l;
      this.y = 2n * s - l;
    } else if (r - s < 1n) {
      this.x = l;
      this.y = r;
    } else {
      this.y = s + third(r - s);
      this.x = 2n * s - this.y;
    }
    this.phase = "pairX";
    return true;
  }

  /** The reflection of `prev` about the middle of [l, r]. */
  reflect(prev: bigint | undefined): bigint {
    if (this.l >= this.r || prev === undefined) return this.l;
    const g = ((this.l + this.r) >> 1n) * 2n - prev;
    return g === prev ? g + 1n : g;
  }

  guess(prev: bigint | undefined, isGuessed: (v: bigint) => boolean): bigint {
    const override = this.override;
    if (override !== undefined) {
      this.override = undefined;
      return override;
    }
    if (this.phase === "round") this.startRound(isGuessed);
    switch (this.phase) {
      case "pairX":
        this.phase = "pairY";
        return this.x;
      case "pairY":
        this.phase = "pairWait";
        return this.y;
      case "hot":
        return this.reflect(prev);
      case "known":
        return this.known;
      default:
        return this.l;
    }
  }

  update(prev: bigint | undefined, guess: bigint, decision: Decision): void {
    if (decision === "Correct") return;
    if (this.phase === "pairWait") {
      const t = this.x + this.y;
      if (decision === "Unsure") {
        this.known = t >> 1n;
        this.phase = "known";
      } else {
        this.w -= 2;
        this.first = false;
        if (decision === "Colder") {
          this.r = (t - 1n) >> 1n;
          this.phase = "round";
        } else {
          this.l = (t + 2n) >> 1n;
          this.phase = "hot";
        }
      }
    } else if (this.phase === "hot" && prev !== undefined) {
      const t = prev + guess;
      if (decision === "Unsure") {
        this.known = t >> 1n;
        this.phase = "known";
      } else if ((decision === "Warmer") !== (prev > guess)) this.l = (t + 2n) >> 1n;
      else this.r = (t - 1n) >> 1n;
    }
  }
}

class Smart implements Guesser {
  readonly #lower: bigint;
  readonly #upper: bigint;
  readonly #random: () => number;
  /** The number of guesses the bound allows, counted from the game's start. */
  #limit = 0;
  #count = 0;
  #last: bigint | undefined;
  #before: bigint | undefined;
  #awaiting = false;
  /** What the reports allow, guessed numbers aside. */
  #low: bigint;
  #high: bigint;
  #guessed = new Set<bigint>();
  #plan: Plan | undefined;
  /** Sorted guesses, once a liar has emptied the interval. */
  #lost: bigint[] | undefined;
  // The endgame search: positions relative to #origin, and guesses made since.
  #origin: bigint | undefined;
  /** The guess before #origin was set and every guess since, relative to it: a key. */
  #trail = "";
  #memo = new Map<string, bigint | null>();
  #nodes = 0;
  /** Whether the plan's remaining play has been walked and repeats nothing. */
  #clean = false;

  constructor(lower: bigint, upper: bigint, random: () => number) {
    this.#lower = lower;
    this.#upper = upper;
    this.#random = random;
    this.#low = lower;
    this.#high = upper;
    this.#start();
  }

  /** Plans afresh over what the reports allow. */
  #start(): void {
    const n = this.#high - this.#low + 1n;
    if (n < 1n) return;
    this.#limit = this.#count + bitLength(3n * n);
    let w = Math.max(0, bitLength(3n * n) - 3);
    while (capacity(w) < n) w++;
    this.#plan = new Plan(this.#low, this.#high, w, true);
    this.#origin = undefined;
    this.#clean = false;
  }

  next(): bigint | undefined {
    if (this.#lost !== undefined) return this.#wander();
    const left = this.#limit - this.#count;
    const end = left >= 2 && left <= ENDGAME;
    const candidates = this.#candidates(end ? reach(left) : 1);
    if (candidates?.length === 0) return this.#wander();
    if (this.#awaiting) {
      // The last guess went unreported: what it would have said is lost.
      this.#awaiting = false;
      this.#start();
      return this.next();
    }
    let guess: bigint | undefined;
    if (candidates?.length === 1) guess = candidates[0];
    else if (candidates !== undefined && end && !this.#clean) {
      const plan = this.#plan;
      if (
        plan?.phase === "hot" && plan.override === undefined &&
        this.#walk(plan.l, plan.r, this.#last!, undefined, this.#count, true)
      ) this.#clean = true;
      else guess = this.#search(candidates, left);
    }
    guess ??= this.#planned();
    this.#guessed.add(guess);
    if (this.#origin !== undefined) this.#trail += `,${guess - this.#origin}`;
    this.#before = this.#last;
    this.#last = guess;
    this.#count++;
    this.#awaiting = true;
    return guess;
  }

  report(decision: Decision): void {
    if (!this.#awaiting || this.#lost !== undefined) return;
    this.#awaiting = false;
    if (decision === "Correct") return;
    const prev = this.#before;
    const guess = this.#last!;
    this.#plan?.update(prev, guess, decision);
    if (prev === undefined || prev === guess) {
      if (decision !== "Unsure") this.#high = this.#low - 1n;
      return;
    }
    const t = prev + guess;
    if (decision === "Unsure") {
      if ((t & 1n) !== 0n) this.#high = this.#low - 1n;
      else {
        if (this.#low < t >> 1n) this.#low = t >> 1n;
        if (this.#high > t >> 1n) this.#high = t >> 1n;
      }
    } else if ((decision === "Warmer") === (guess > prev)) {
      if (this.#low < (t >> 1n) + 1n) this.#low = (t >> 1n) + 1n;
    } else if (this.#high > ((t + 1n) >> 1n) - 1n) this.#high = ((t + 1n) >> 1n) - 1n;
  }

  /**
   * The numbers still possible, if at most `max`; `undefined` if more. An
   * empty list (a liar) switches to random guessing.
   */
  #candidates(max: number): bigint[] | undefined {
    const guessed = this.#guessed;
    while (this.#low <= this.#high && guessed.has(this.#low)) this.#low++;
    while (this.#low <= this.#high && guessed.has(this.#high)) this.#high--;
    if (this.#low > this.#high) {
      this.#lost = [...guessed].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return [];
    }
    if (this.#high - this.#low >= BigInt(max + guessed.size)) return undefined;
    const out: bigint[] = [];
    for (let v = this.#low; v <= this.#high; v++) {
      if (guessed.has(v)) continue;
      out.push(v);
      if (out.length > max) return undefined;
    }
    return out;
  }

  /** A number not yet guessed, uniformly at random, or `undefined` if none is left. */
  #wander(): bigint | undefined {
    const sorted = this.#lost!;
    const left = this.#upper - this.#lower + 1n - BigInt(sorted.length);
    if (left <= 0n) return undefined;
    let v = this.#lower + below(left, this.#random);
    let i = 0;
    for (; i < sorted.length && sorted[i] <= v; i++) v++;
    sorted.splice(i, 0, v);
    return v;
  }

  #clamp(v: bigint): bigint {
    return v < this.#lower ? this.#lower : v > this.#upper ? this.#upper : v;
  }

  /** The plan's guess, moved off a number already guessed when a check allows. */
  #planned(): bigint {
    if (this.#plan === undefined) this.#start();
    const plan = this.#plan!;
    const guessed = this.#guessed;
    const isGuessed = (v: bigint) => guessed.has(v);
    if (plan.phase === "round") {
      if (plan.startRound(isGuessed) && guessed.has(plan.y)) this.#dodgePair(plan);
    } else if (plan.phase === "hot") {
      const g = this.#clamp(plan.reflect(this.#last));
      if (guessed.has(g)) plan.override = this.#dodge(plan, g);
    }
    return this.#clamp(plan.guess(this.#last, isGuessed));
  }

  /** Moves a round's pair apart from its midpoint if y was guessed before. */
  #dodgePair(plan: Plan): void {
    const s = (plan.x + plan.y) >> 1n;
    for (let d = 1n; d <= 3n; d++) {
      const x = plan.x + d;
      const y = plan.y - d;
      if (y <= s || this.#guessed.has(x) || this.#guessed.has(y)) continue;
      if (this.#walk(s + 1n, plan.r, y, undefined, this.#count + 2, false)) {
        plan.x = x;
        plan.y = y;
        return;
      }
    }
  }

  /** A fresh guess next to `g` that keeps the bound, if a check finds one. */
  #dodge(plan: Plan, g: bigint): bigint | undefined {
    for (const d of [1n, -1n, 2n, -2n]) {
      const alt = g + d;
      if (alt < this.#lower || alt > this.#upper || alt === this.#last) continue;
      if (this.#guessed.has(alt)) continue;
      if (this.#walk(plan.l, plan.r, this.#last!, alt, this.#count, false)) return alt;
    }
    return undefined;
  }

  /**
   * Walks the plan's reflections about the middle from `prev` over [l, r],
   * after `used` guesses (the first of them `first`, if given), for every
   * answer: true if every guess stays in the range and within the bound, and
   * if `fresh`, none repeats an earlier one. False, too, for intervals of
   * more than WALK_LIMIT numbers or positions too far apart for doubles.
   */
  #walk(
    l: bigint,
    r: bigint,
    prev: bigint,
    first: bigint | undefined,
    used: number,
    fresh: boolean,
  ): boolean {
    const far = (v: bigint) => v - l > EXACT || l - v > EXACT;
    if (r - l >= WALK_LIMIT || far(prev) || (first !== undefined && far(first))) return false;
    const low = far(this.#lower) ? -Infinity : Number(this.#lower - l);
    const high = far(this.#upper) ? Infinity : Number(this.#upper - l);
    const taken = new Set<number>();
    if (fresh) { for (const v of this.#guessed) if (!far(v)) taken.add(Number(v - l)); }
    const limit = this.#limit;
    const path: number[] = [];
    const visit = (lo: number, hi: number, p: number, n: number, g?: number): boolean => {
      if (lo > hi) return true;
      if (n + 1 > limit) return false;
      if (lo === hi) return true;
      if (g === undefined) {
        g = Math.floor((lo + hi) / 2) * 2 - p;
        if (g === p) g++;
        g = Math.min(Math.max(g, low), high);
      }
      if (fresh && (taken.has(g) || path.includes(g))) return false;
      const half = Math.floor((p + g) / 2);
      const even = half * 2 === p + g;
      if (even && half >= lo && half <= hi && n + 2 > limit) return false;
      path.push(g);
      const ok = visit(lo, Math.min(hi, even ? half - 1 : half), g, n + 1) &&
        visit(Math.max(lo, half + 1), hi, g, n + 1);
      path.pop();
      return ok;
    };
    return visit(
      0,
      Number(r - l),
      Number(prev - l),
      used,
      first === undefined ? undefined : Number(first - l),
    );
  }

  /**
   * An exact search, over the last few guesses of the bound, for a guess from
   * which every answer can still be played out with no repeated guess.
   */
  #search(candidates: bigint[], left: number): bigint | undefined {
    const last = this.#last;
    if (this.#origin === undefined) {
      this.#origin = candidates[0];
      this.#trail = last === undefined ? "" : `${last - candidates[0]}`;
      this.#memo.clear();
    }
    const origin = this.#origin;
    this.#nodes = 0;
    const rel = candidates.map((v) => Number(v - origin));
    const g = this.#solve(rel, last, left, [], this.#trail);
    if (g === null) return undefined;
    this.#plan = undefined; // The plan no longer describes the play.
    return g;
  }

  /**
   * A guess from which every answer plays out with no repeat, for the numbers
   * `set` (relative to #origin) after `prev`, with `left` guesses; `local`
   * holds the search's own guesses so far and `trail` all guesses since
   * #origin was set, in order, ending with `prev`.
   */
  #solve(
    set: number[],
    prev: bigint | undefined,
    left: number,
    local: bigint[],
    trail: string,
  ): bigint | null {
    const origin = this.#origin!;
    if (set.length === 1) return origin + BigInt(set[0]);
    if (left < 2 || set.length > reach(left)) return null;
    // The trail fixes which numbers were guessed, so the hull fixes the set.
    const key = `${set[0]} ${set[set.length - 1]} ${left}|${trail}`;
    const seen = this.#memo.get(key);
    if (seen !== undefined) return seen;
    if (++this.#nodes > SEARCH_NODES) return null;
    const found = this.#explore(set, prev, left, local, trail);
    if (found !== null || this.#nodes <= SEARCH_NODES) this.#memo.set(key, found);
    return found;
  }

  /** The first guess, nearest a balanced split, after which every answer plays out. */
  #explore(
    set: number[],
    prev: bigint | undefined,
    left: number,
    local: bigint[],
    trail: string,
  ): bigint | null {
    const origin = this.#origin!;
    const n = set.length;
    const lo = set[0];
    const hi = set[n - 1];
    const median = set[(n - 1) >> 1] + set[n >> 1];
    const fresh = (g: bigint) =>
      g >= this.#lower && g <= this.#upper && g !== prev && !this.#guessed.has(g) &&
      !local.includes(g);
    if (prev === undefined) {
      // A first guess tells nothing but may be the secret; where it goes matters next.
      for (let i = 0; i <= 6 * (hi - lo) + 4; i++) {
        const k = (median >> 1) + (i & 1 ? (i + 1) >> 1 : -(i >> 1));
        if (k < 2 * lo - hi - 1 || k > 2 * hi - lo + 1) continue;
        const guess = origin + BigInt(k);
        if (!fresh(guess)) continue;
        const found = this.#try(set, undefined, left, local, trail, guess, k, 0, true);
        if (found !== undefined) return found;
      }
      return null;
    }
    // Guesses whose midpoint with the previous one falls among the candidates,
    // nearest the median first; then the candidates themselves. A midpoint
    // beyond [from, to] leaves more than `most` on one side, even if the guess
    // is one of them, or puts the guess out of the range. A guess is
    // `base + twice`, `shift + twice` from the origin.
    const most = reach(left - 1);
    const base = 2n * origin - prev;
    const shift = origin - prev;
    const bound = (v: bigint) => (v > EXACT ? Infinity : v < -EXACT ? -Infinity : Number(v));
    const from = Math.max(
      2 * lo - 1,
      n - 2 - most >= 0 ? 2 * set[n - 2 - most] : -Infinity,
      bound(this.#lower - base),
    );
    const to = Math.min(
      2 * hi + 1,
      most + 1 < n ? 2 * set[most + 1] : Infinity,
      bound(this.#upper - base),
    );
    const offset = bound(shift);
    for (let i = 0; i <= 4 * (hi - lo) + 4; i++) {
      const t = median + (i & 1 ? (i + 1) >> 1 : -(i >> 1));
      if (t < from || t > to) continue;
      const guess = base + BigInt(t);
      if (guess === prev || this.#guessed.has(guess) || local.includes(guess)) continue;
      const self = offset + t >= lo && offset + t <= hi ? offset + t : NaN;
      const found = this.#try(set, prev, left, local, trail, guess, self, t, guess > prev);
      if (found !== undefined) return found;
    }
    const near = prev - origin;
    for (const x of set) {
      const twice = near + BigInt(x);
      if (twice >= BigInt(2 * lo - 1) && twice <= BigInt(2 * hi + 1)) continue;
      const guess = origin + BigInt(x);
      const found = this.#try(set, prev, left, local, trail, guess, x, Number(twice), x > near);
      if (found !== undefined) return found;
    }
    return null;
  }

  /**
   * `guess` (at `self` from the origin if among the candidates, else NaN) if
   * every answer to it can be played out; `null` if the search ran out of
   * positions; `undefined` if this guess does not do. `twice` is twice its
   * midpoint with `prev`, from the origin; `up` whether it is above `prev`.
   */
  #try(
    set: number[],
    prev: bigint | undefined,
    left: number,
    local: bigint[],
    trail: string,
    guess: bigint,
    self: number,
    twice: number,
    up: boolean,
  ): bigint | null | undefined {
    if (this.#nodes > SEARCH_NODES) return null;
    const most = reach(left - 1);
    const warmer: number[] = [];
    const colder: number[] = [];
    const unsure: number[] = [];
    for (const x of set) {
      if (x === self) continue;
      const d = prev === undefined ? 0 : 2 * x - twice;
      if (d === 0) unsure.push(x);
      else if ((d > 0) === up) warmer.push(x);
      else colder.push(x);
    }
    if (warmer.length > most || colder.length > most || unsure.length > most) return undefined;
    if (prev !== undefined && unsure.length > 1) return undefined;
    local.push(guess);
    const next = `${trail},${guess - this.#origin!}`;
    let ok = true;
    for (const part of [warmer, colder, unsure].sort((a, b) => b.length - a.length)) {
      if (part.length > 0 && this.#solve(part, guess, left - 1, local, next) === null) {
        ok = false;
        break;
      }
    }
    local.pop();
    return ok ? guess : this.#nodes > SEARCH_NODES ? null : undefined;
  }
}

/**
 * Plays IOI 2010's "Hotter Colder" strategy: every report halves the numbers
 * left as nearly as the range allows, so a game over N numbers ends within
 * W + 1 guesses, W the largest integer with 2^W <= 3N. Guesses stay inside
 * `lower..upper`, exact at any size; after reports that no secret could give
 * it guesses at random among the numbers not yet guessed.
 *
 * @param lower The least number of the range.
 * @param upper The greatest number of the range, at least `lower`.
 * @param random A source of numbers in [0, 1), such as `Math.random`; used
 *   only once the reports have contradicted each other.
 * @returns The game's guesser.
 */
export const smart: Strategy = (lower, upper, random) => new Smart(lower, upper, random);
