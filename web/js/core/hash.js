/**
 * What both pages' URL hashes share (state.js, mnist/state.js): reading "#a=1&b=x,y" into
 * key/value parts, and checking one value against a property of a page's table. Pure functions;
 * nothing from a hash is evaluated.
 *
 * A property: { name, type, def, ... } with type
 *   enum    one of `values` (strings, matched case-insensitively)
 *   choice  a number among `values`
 *   int, number   within `min`..`max`
 *   bool    true/false (or 1/0)
 *   ints    whole numbers `min`..`max`, comma-separated; at most `maxLength` unless `truncate`
 *           (then the page keeps the first maxLength itself, with a note)
 *   enums   a comma-separated list of `values`
 */

/**
 * Limits that keep every parse of a link linear and short: a hash longer than MAX_HASH_CHARS is
 * refused before it is read (the longest setup a page writes is about 600 characters), a number
 * longer than MAX_NUMBER_CHARS is not a number, and at most MAX_NOTES notes are shown.
 */
export const MAX_HASH_CHARS = 8192;
export const MAX_NUMBER_CHARS = 32;
export const MAX_NOTES = 5;

/**
 * A number in decimal notation with an optional exponent ("0x10", "", " 1", "Infinity" are
 * refused). The pattern cannot backtrack: the digits before and after the point are separated by
 * a required "." (an optional one between \d+ and \d* made a run of digits ending in a letter
 * cost time growing with the square of its length).
 */
export function toNumber(text) {
  if (text.length > MAX_NUMBER_CHARS) return NaN;
  return /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$/i.test(text) ? Number(text) : NaN;
}

/** An enumeration's value for `text`, case-insensitively, or undefined. */
export const findValue = (values, text) => values.find((v) => v.toLowerCase() === text.toLowerCase());

/** Parse one value: {ok: true, value} or {ok: false}. */
export function parseValue(p, text) {
  switch (p.type) {
    case "enum": {
      const hit = findValue(p.values, text);
      return hit === undefined ? { ok: false } : { ok: true, value: hit };
    }
    case "choice": {
      const n = toNumber(text);
      return p.values.includes(n) ? { ok: true, value: n } : { ok: false };
    }
    case "int": case "number": {
      const n = toNumber(text);
      const ok = Number.isFinite(n) && n >= p.min && n <= p.max && (p.type === "number" || Number.isInteger(n));
      return ok ? { ok: true, value: n } : { ok: false };
    }
    case "bool":
      if (text === "true" || text === "1") return { ok: true, value: true };
      if (text === "false" || text === "0") return { ok: true, value: false };
      return { ok: false };
    case "ints": {
      if (text === "") return { ok: true, value: [] };
      const parts = text.split(",").map((v) => toNumber(v.trim()));
      const ok = (p.truncate || parts.length <= p.maxLength) &&
        parts.every((n) => Number.isInteger(n) && n >= p.min && n <= p.max);
      return ok ? { ok: true, value: parts } : { ok: false };
    }
    case "enums": {
      if (text === "") return { ok: true, value: [] };
      const parts = text.split(",").map((v) => findValue(p.values, v.trim()));
      return parts.every((v) => v !== undefined) ? { ok: true, value: parts } : { ok: false };
    }
    default:
      return { ok: false };
  }
}

/** What a property takes, for a note. */
export function describe(p) {
  switch (p.type) {
    case "enum": case "choice": return `one of ${p.values.join(", ")}`;
    case "int": return `a whole number ${p.min}..${p.max}`;
    case "number": return `a number ${p.min}..${p.max}`;
    case "bool": return "true or false";
    case "ints": return `${p.truncate ? "" : `up to ${p.maxLength} `}whole numbers ${p.min}..${p.max}, separated by commas`;
    case "enums": return `a comma-separated list of ${p.values.join(", ")}`;
    default: return p.type;
  }
}

/** The text of a value in the hash. */
export function formatValue(p, value) {
  return Array.isArray(value) ? value.join(",") : String(value);
}

/** "1 activation", "3 activations". */
export const count = (n, noun) => `${n} ${noun}${n === 1 ? "" : "s"}`;

/** At most `n` characters of a user's text, for a note. */
export function shorten(text, n = 40) {
  return text.length > n ? text.slice(0, n - 1) + "…" : text;
}

/**
 * The parts of a hash, in order: {key, raw} (decoded, the value trimmed; "+" is a space), or
 * {note} for a part that is not valid URL encoding or repeats a key given before (the first
 * value counts: `aliases` maps other names of a key to it). Empty parts are skipped. A hash over
 * MAX_HASH_CHARS gives one note and no parts: the page keeps its defaults.
 */
export function* hashParts(hash, aliases = new Map()) {
  const text = String(hash || "").replace(/^#/, "");
  if (text.length > MAX_HASH_CHARS) {
    yield { part: "", note: `Ignored the link's settings: they are ${text.length.toLocaleString("en")} ` +
      `characters long, and a setup of this page takes at most ${MAX_HASH_CHARS.toLocaleString("en")}; using the defaults.` };
    return;
  }
  const seen = new Map();
  for (const part of text.split("&")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    let key, raw;
    try {
      key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
      raw = eq < 0 ? "" : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, " ")).trim();
    } catch {
      yield { part, note: `Ignored “${shorten(part)}”: it is not valid URL encoding.` };
      continue;
    }
    const name = aliases.get(key) || key;
    if (seen.has(name)) {
      yield { part, note: `Ignored “${shorten(part)}”: the link already gives ${shorten(name)} ` +
        `(“${shorten(seen.get(name))}”), and the first one counts.` };
      continue;
    }
    seen.set(name, part);
    yield { part, key, raw };
  }
}

/** At most MAX_NOTES notes: a link with a hundred bad parts gets a short list and a count, not a wall. */
export function capNotes(notes) {
  if (notes.length <= MAX_NOTES) return notes;
  const more = notes.length - (MAX_NOTES - 1);
  return [...notes.slice(0, MAX_NOTES - 1), `… and ${more} more problems with the link.`];
}

/** The hash part for one property: `name=value`, commas left readable. */
export function hashPart(p, value) {
  return `${p.name}=${encodeURIComponent(formatValue(p, value)).replace(/%2C/g, ",")}`;
}

/**
 * The element a hash points at when it is in-page navigation ("#play-button" after a skip link
 * or any anchor), or null when it is a setup ("#dataset=xor"). Navigation is never read as a
 * setup: a page restores its setup's address and changes nothing. `lookup(id)` finds an element.
 */
export function inPageTarget(hash, lookup = (id) => document.getElementById(id)) {
  const text = String(hash || "").replace(/^#/, "");
  if (!text || text.includes("=") || text.includes("&")) return null;
  let id;
  try { id = decodeURIComponent(text); } catch { return null; }
  return lookup(id) || null;
}
