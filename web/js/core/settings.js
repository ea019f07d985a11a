/**
 * The rules of nnpy/browser/schema.py for JS: every page's settings table (SCHEMA, written by
 * build.py into js/core/schema.js) and the helpers that read it. Nothing here restates a rule.
 *
 *   import { outputLayer, row, rebuildKeys, liveKeys } from "../core/settings.js";
 *   outputLayer("classification", 3)   // {units: 3, activation: "softmax", loss: "softmax_cross_entropy"}
 *   row("mnist", "lr").options         // the learning rates the page's control offers
 *   rebuildKeys("mnist")               // engine settings whose change builds a new network
 *
 * A new page: add its rows to SETTINGS in schema.py, rebuild, and read them here by its name.
 */

import { SCHEMA } from "./schema.js";

export { SCHEMA };

/** The settings of `page` (rows: name, type, default, min, max, kind, link, ...). */
export const rows = (page) => SCHEMA.settings[page];

/** One row of `page` by the setting's name. */
export function row(page, name) {
  const hit = rows(page).find((r) => r.name === name);
  if (!hit) throw new Error(`no setting ${name} on the ${page} page`);
  return hit;
}

/** The engine settings whose change makes new data or a new network (at epoch 0). */
export const rebuildKeys = (page) => rows(page).filter((r) => r.kind === "data" || r.kind === "network").map((r) => r.name);

/** The engine settings the running trainer takes (learning rate, batch size, ...). */
export const liveKeys = (page) => rows(page).filter((r) => r.kind === "live").map((r) => r.name);

/** The output layer for a problem with `classes` classes: the first row of the schema's rule that matches. */
export function outputLayer(problem, classes) {
  for (const r of SCHEMA.output_rule) {
    if (r.problem === problem && (r.classes === undefined || r.classes === classes)) {
      return { units: r.units === "classes" ? classes : r.units, activation: r.activation, loss: r.loss };
    }
  }
  throw new Error(`no output layer for ${problem} with ${classes} classes`);
}

/**
 * A value typed in a form field of `page` for the setting `name` (a number field's text), checked
 * against the schema's row before it may reach the store and so the URL: {ok: true, value} or
 * {ok: false, message} where the message says in plain words what is allowed, e.g. "Test digit
 * must be a whole number from 0 to 1,999." `label` names the field as the page shows it; `max`
 * narrows the row's max when the page knows more (the test digits there are).
 */
export function formValue(page, name, text, { label, max } = {}) {
  const r = row(page, name);
  const hi = max === undefined ? r.max : Math.min(r.max, max);
  const whole = r.type === "int";
  const t = String(text).trim();
  const n = t === "" ? NaN : Number(t);
  if (Number.isFinite(n) && (!whole || Number.isInteger(n)) && n >= r.min && n <= hi) return { ok: true, value: n };
  const words = (v) => v.toLocaleString("en").replace("-", "−");
  return { ok: false, message: `${label} must be ${whole ? "a whole number" : "a number"} from ${words(r.min)} to ${words(hi)}.` };
}
