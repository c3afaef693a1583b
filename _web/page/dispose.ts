/**
 * `Symbol.asyncDispose` where the browser has none yet (Safari, for one).
 * The client's classes name their disposers by it, and the bundler's
 * lowering of `await using` looks it up the same way, falling back to
 * `Symbol.for("Symbol.asyncDispose")`: so both get that symbol. Imported
 * first, before the client's modules define their classes.
 *
 * @module
 */

const symbols = Symbol as { asyncDispose?: symbol };
symbols.asyncDispose ??= Symbol.for("Symbol.asyncDispose");
