/**
 * The workshop's URL hash, a teacher's link: which step opens, which steps come pre-filled with
 * a model answer, and whether "Compare with nnpy's version" is offered. Pure functions.
 *
 *   #step=layers&prefill=activations,losses&compare=false
 *
 * A link never carries code: `prefill` names steps, and their code comes from the page itself.
 * A bad part is ignored with a note; the rest of the link still applies.
 */
import { capNotes, hashParts, parseValue, describe, shorten } from "../core/hash.js";

export const STEPS = ["activations", "losses", "layers", "model", "trainer", "saved_models", "inference"];

export const PROPS = [
  { name: "step", type: "enum", values: STEPS, def: "activations",
    doc: "the step the page opens at" },
  { name: "prefill", type: "enums", values: STEPS, def: [],
    doc: "steps whose editors start with a model answer (only where the student has written nothing yet)" },
  { name: "compare", type: "bool", def: true,
    doc: "offer “Compare with nnpy's version” after a step passes" },
];

/** {step, prefill, compare, notes: [text], given: Set of names in the hash}. */
export function parse(hash) {
  const out = { notes: [], given: new Set() };
  for (const p of PROPS) out[p.name] = Array.isArray(p.def) ? [...p.def] : p.def;
  for (const part of hashParts(hash)) {
    if (part.note) { out.notes.push(part.note); continue; }
    const p = PROPS.find((q) => q.name === part.key);
    if (!p) {
      out.notes.push(`Ignored “${shorten(part.part)}”: the workshop has no setting “${shorten(part.key, 20)}”.`);
      continue;
    }
    const value = parseValue(p, part.raw);
    if (!value.ok) {
      out.notes.push(`Ignored ${p.name}=“${shorten(part.raw)}”: it must be ${describe(p)}.`);
      continue;
    }
    out[p.name] = value.value;
    out.given.add(p.name);
  }
  out.notes = capNotes(out.notes); // at most five, as on the other pages
  return out;
}

/** The hash for a state (only what differs from the defaults). */
export function serialize(state) {
  const parts = [];
  for (const p of PROPS) {
    const v = state[p.name];
    const same = Array.isArray(p.def) ? (v || []).join(",") === p.def.join(",") : v === p.def;
    if (!same) parts.push(`${p.name}=${Array.isArray(v) ? v.join(",") : String(v)}`);
  }
  return parts.length ? "#" + parts.join("&") : "";
}
