/**
 * The playground's state and its URL hash: one table of properties, like TensorFlow Playground's
 * state.ts. Every property has a type, a default and its limits; `parseHash` reads a hash back,
 * refusing bad values with a note (the default is used instead), and `serialize` writes it, so
 * parse(serialize(s)) gives s back. TF Playground links work too (same key names where it has one;
 * its single `activation` applies to every layer).
 *
 *   const { state, notes } = parseHash(location.hash);   // notes: readable strings, one a problem
 *   const store = createStore(state);                     // owns the hash from then on
 *   store.subscribe((state, changed) => ...);             // changed: a Set of property names
 *   store.update({ learningRate: 0.1 });
 *
 * `toEngine(state)` turns the state into what nnpy.browser.playground.Playground.configure takes.
 * `*_hide=true` (for any name in HIDEABLE) hides that control: classroom links.
 */

import { capNotes, count, describe, formatValue, hashPart, hashParts, parseValue, shorten } from "../core/hash.js";
import { SCHEMA, outputLayer, rebuildKeys } from "../core/settings.js";
import { createStore as createHashStore } from "../core/store.js";

export { formatValue, parseValue };

// Every list, limit and default below comes from nnpy/browser/schema.py (as js/core/schema.js).
const PAGE = SCHEMA.pages.playground;
const ROW = Object.fromEntries(SCHEMA.settings.playground.map((row) => [row.name, row]));
const datasetsWhere = (test) => Object.keys(PAGE.datasets).filter((name) => test(PAGE.datasets[name]));
export const CLASSIFICATION_DATASETS = datasetsWhere((d) => d.problem === "classification");
export const REGRESSION_DATASETS = datasetsWhere((d) => d.problem === "regression");
export const MULTICLASS_DATASETS = datasetsWhere((d) => d.classes === null);
export const ACTIVATIONS = ROW.layers.activations;
export const LEARNING_RATES = ROW.lr.options;
export const REGULARIZATION_RATES = ROW.reg_rate.options;
export const MAX_LAYERS = ROW.layers.max_layers;
export const MAX_UNITS = ROW.layers.max_units;
export const MAX_CLASSES = ROW.classes.max;
export const PROBLEMS = ROW.problem.values;
export const OPTIMIZERS = ROW.optimizer.values;
export const REGULARIZATIONS = ROW.regularization.link_values;

/** The input features: hash key (TF Playground's name), engine name, label. */
export const FEATURES = ROW.features.values.map((name, i) => ({
  key: ROW.features.links[i], name, label: ROW.features.labels[i],
}));

/** A number setting's hash property: the engine's limits times the page's scale (whole percents). */
function numberProp(row, extra = {}) {
  const scale = row.scale || 1;
  const min = Math.round(row.min * scale * 1e9) / 1e9;
  const max = row.link_max ?? Math.round(row.max * scale * 1e9) / 1e9;
  const type = row.type === "int" || scale !== 1 ? "int" : "number";
  return { name: row.link, type, min, max, def: Math.round(row.default * scale * 1e9) / 1e9, ...extra };
}

/**
 * The table of the URL hash. type: enum (values), int/number (min, max), bool, ints (a list: min,
 * max, maxLength), enums (a list of values). Built from the schema's rows: the hash uses TF
 * Playground's key names (`link`), the engine the schema's names (`toEngine`).
 */
export const PROPS = [
  { name: "problem", type: "enum", values: ROW.problem.values, def: ROW.problem.default },
  { name: ROW.dataset.link, type: "enum", values: CLASSIFICATION_DATASETS, def: ROW.dataset.default },
  { name: ROW.dataset.regression_link, type: "enum", values: REGRESSION_DATASETS, def: ROW.dataset.regression_default },
  numberProp(ROW.classes),
  numberProp(ROW.noise),
  numberProp(ROW.train_ratio),
  numberProp(ROW.batch_size),
  numberProp(ROW.seed),
  { name: ROW.layers.link, type: "ints", min: 1, max: MAX_UNITS, maxLength: MAX_LAYERS,
    def: ROW.layers.default.map((l) => l.units) },
  { name: ROW.layers.activations_link, type: "enums", values: ACTIVATIONS,
    def: ROW.layers.default.map((l) => l.activation) },
  numberProp(ROW.lr),
  { name: ROW.optimizer.link, type: "enum", values: ROW.optimizer.values, def: ROW.optimizer.default },
  { name: ROW.regularization.link, type: "enum", values: ROW.regularization.link_values,
    def: ROW.regularization.link_values[ROW.regularization.values.indexOf(ROW.regularization.default)] },
  numberProp(ROW.reg_rate),
  ...FEATURES.map((f) => ({ name: f.key, type: "bool", def: ROW.features.default.includes(f.name) })),
  // the page's own settings (never sent to the engine): what it shows, embedding, Look inside
  ...SCHEMA.settings.playground.filter((r) => r.kind === "page").map((r) => ({
    name: r.link, type: r.type, def: r.default, ...(r.type === "number" ? { min: r.min, max: r.max } : {}),
    ...(r.optional ? { optional: true } : {}),
  })),
];

/** The seed box's limits (the engine takes larger seeds, from a model file). */
export const SEED = PROPS.find((p) => p.name === ROW.seed.link);

/** Controls a link may hide with `<name>_hide=true`. */
export const HIDEABLE = PAGE.hideable;

const BY_NAME = new Map(PROPS.map((p) => [p.name, p]));

export function defaults() {
  const state = {};
  for (const p of PROPS) state[p.name] = Array.isArray(p.def) ? [...p.def] : p.def;
  state.hide = [];
  return state;
}

/**
 * Read a URL hash ("#a=1&b=2"). Unknown keys, bad values and inconsistent settings each give a
 * note (at most MAX_NOTES, then a count); the state is always complete and valid.
 * @returns {{state: object, notes: string[]}}
 */
export function parseHash(hash) {
  const state = defaults();
  const notes = [];
  let single = null; // TF Playground's one activation for every layer
  let sawActivations = false;
  let sawFeature = false;
  for (const { part, key, raw, note } of hashParts(hash)) {
    if (note) { notes.push(note); continue; }
    if (key.endsWith("_hide")) {
      const name = key.slice(0, -5);
      if (!HIDEABLE.includes(name)) notes.push(`Ignored “${shorten(key)}”: there is no control called ${shorten(name)}.`);
      else if (raw === "true" || raw === "1") { if (!state.hide.includes(name)) state.hide.push(name); }
      else if (raw !== "false" && raw !== "0") notes.push(`Ignored “${shorten(part)}”: use ${key}=true.`);
      continue;
    }
    if (key === "activation") {
      const hit = ACTIVATIONS.find((a) => a === raw.toLowerCase());
      if (hit) single = hit;
      else notes.push(`Ignored “activation=${shorten(raw)}”: expected one of ${ACTIVATIONS.join(", ")}.`);
      continue;
    }
    const p = BY_NAME.get(key);
    if (!p) {
      if (!TF_IGNORED.has(key)) notes.push(`Ignored “${shorten(key)}”: not a setting of this playground.`);
      continue;
    }
    const parsed = parseValue(p, raw);
    if (!parsed.ok) {
      notes.push(`Ignored “${key}=${shorten(raw)}”: expected ${describe(p)}; using ${p.def == null ? "none" : formatValue(p, p.def) || "none"}.`);
      continue;
    }
    state[p.name] = parsed.value;
    if (p.name === "activations") sawActivations = true;
    if (FEATURES.some((f) => f.key === p.name)) sawFeature = true;
  }
  // Consistency: one activation per hidden layer.
  const n = state.networkShape.length;
  if (!sawActivations) {
    state.activations = Array(n).fill(single || ROW.layers.default_activation);
  } else if (state.activations.length !== n) {
    const fill = single || state.activations[state.activations.length - 1] || ROW.layers.default_activation;
    notes.push(`The link lists ${count(state.activations.length, "activation")} for ` +
      `${count(n, "hidden layer")}; ` +
      (state.activations.length < n ? `the missing ones are ${fill}.` : "the extra ones are dropped."));
    state.activations = Array.from({ length: n }, (_, i) => state.activations[i] || fill);
  }
  if (sawFeature && !FEATURES.some((f) => state[f.key])) {
    notes.push("The link switches every input feature off; x₁ and x₂ are used.");
    state.x = state.y = true;
  }
  return { state, notes: capNotes(notes) };
}

// TF Playground keys we read links with but have no use for.
const TF_IGNORED = new Set(PAGE.ignored_links);

/** The hash for a state (every property, so a link does not depend on today's defaults). */
export function serialize(state) {
  const parts = [];
  for (const p of PROPS) {
    if (p.optional && state[p.name] === p.def) continue;
    parts.push(hashPart(p, state[p.name]));
  }
  for (const name of state.hide || []) parts.push(`${name}_hide=true`);
  return "#" + parts.join("&");
}

/**
 * The hash of only what differs from the defaults (and the hidden controls): short enough for an
 * embed snippet; parseHash gives the same state back.
 */
export function serializeChanged(state) {
  const base = defaults();
  const parts = [];
  for (const p of PROPS) {
    if (JSON.stringify(state[p.name]) === JSON.stringify(base[p.name])) continue;
    parts.push(hashPart(p, state[p.name]));
  }
  for (const name of state.hide || []) parts.push(`${name}_hide=true`);
  return "#" + parts.join("&");
}

const REG = ROW.regularization;
const scaled = (name, state) => state[ROW[name].link] / (ROW[name].scale || 1);

/** The dict nnpy.browser.playground.Playground.configure takes (the schema's names and units). */
export function toEngine(state) {
  return {
    problem: state.problem,
    dataset: state.problem === "regression" ? state.regDataset : state.dataset,
    classes: MULTICLASS_DATASETS.includes(state.dataset) ? state.classes : 2,
    noise: scaled("noise", state),
    seed: state.seed,
    train_ratio: scaled("train_ratio", state),
    batch_size: state[ROW.batch_size.link],
    features: FEATURES.filter((f) => state[f.key]).map((f) => f.name),
    layers: state.networkShape.map((units, i) => ({ units, activation: state.activations[i] })),
    optimizer: state.optimizer,
    lr: state[ROW.lr.link],
    regularization: REG.values[REG.link_values.indexOf(state.regularization)],
    reg_rate: state[ROW.reg_rate.link],
  };
}

/**
 * The inverse of `toEngine`: the page's state for an engine state (the `state` an imported
 * model file brings). Properties the engine does not know (the view options, hidden controls,
 * embed, and the classification dataset while the problem is regression) come from `base`.
 * For every engine state a page can send, toEngine(fromEngine(s)) equals s; values the page's
 * controls cannot show (noise 0.123, a seed over 999999) are rounded or clamped into range, and
 * `engineMatches` says whether the data and the network survived that.
 */
export function fromEngine(engine, base = defaults()) {
  const clamp = (name, value) => {
    const p = BY_NAME.get(name);
    const v = Number.isFinite(value) ? value : p.min;
    return Math.min(p.max, Math.max(p.min, p.type === "number" ? v : Math.round(v)));
  };
  const state = structuredClone(base);
  const regression = engine.problem === "regression";
  state.problem = regression ? "regression" : "classification";
  const classes = clamp("classes", engine.classes);
  state.classes = classes;
  if (regression) {
    if (REGRESSION_DATASETS.includes(engine.dataset)) state.regDataset = engine.dataset;
    // toEngine sends `classes` from the classification dataset even for regression: keep it equal
    if (classes !== 2 && !MULTICLASS_DATASETS.includes(state.dataset)) state.dataset = "spiral";
  } else if (CLASSIFICATION_DATASETS.includes(engine.dataset)) {
    state.dataset = engine.dataset;
  }
  for (const name of ["noise", "train_ratio", "batch_size", "lr", "reg_rate"]) {
    const r = ROW[name];
    state[r.link] = clamp(r.link, engine[name] * (r.scale || 1));
  }
  state.seed = clamp("seed", engine.seed);
  const names = new Set(engine.features || []);
  for (const f of FEATURES) state[f.key] = names.has(f.name);
  if (!FEATURES.some((f) => state[f.key])) state.x = state.y = true;
  const layers = (engine.layers || []).slice(0, MAX_LAYERS);
  state.networkShape = layers.map((l) => clamp("networkShape", l.units));
  state.activations = layers.map((l) => (ACTIVATIONS.includes(l.activation) ? l.activation : ROW.layers.default_activation));
  if (ROW.optimizer.values.includes(engine.optimizer)) state.optimizer = engine.optimizer;
  state.regularization = REG.link_values[Math.max(0, REG.values.indexOf(engine.regularization ?? null))];
  return state;
}

/** The engine keys that decide the data and the network (a change of any rebuilds the network). */
export const ENGINE_REBUILD_KEYS = rebuildKeys("playground");

/** Whether two engine states have the same data and network (they may differ in live settings). */
export function engineMatches(a, b) {
  return ENGINE_REBUILD_KEYS.every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}

/** The output layer ({units, activation, loss}) the engine builds for a state's generated data. */
export function outputLayerOf(state) {
  const regression = state.problem === "regression";
  const fixed = PAGE.datasets[state.dataset].classes;
  return outputLayer(state.problem, regression ? 1 : fixed ?? state.classes);
}

/** Total weights and biases of the network a state describes. */
export function countParams(state) {
  const inputs = FEATURES.filter((f) => state[f.key]).length;
  const { units } = outputLayerOf(state);
  const sizes = [inputs, ...state.networkShape, units];
  let total = 0;
  for (let i = 1; i < sizes.length; i++) total += sizes[i - 1] * sizes[i] + sizes[i];
  return total;
}

/** The page's store (js/core/store.js) over this table: the state in the URL hash. */
export function createStore(initial, { onNotes = () => {} } = {}) {
  return createHashStore(initial, { parse: parseHash, serialize, onNotes });
}
