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

import { capNotes, count, describe, formatValue, hashPart, hashParts, inPageTarget, parseValue, shorten } from "../core/hash.js";

export { formatValue, parseValue };

export const CLASSIFICATION_DATASETS = ["circle", "xor", "gauss", "spiral", "moons", "blobs"];
export const REGRESSION_DATASETS = ["reg-plane", "reg-gauss"];
export const MULTICLASS_DATASETS = ["spiral", "blobs"];
export const ACTIVATIONS = ["tanh", "relu", "sigmoid", "linear", "leaky_relu"];
export const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
export const REGULARIZATION_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
export const MAX_LAYERS = 10;
export const MAX_UNITS = 32;
export const MAX_CLASSES = 6;

/** The input features: hash key (TF Playground's name), engine name, label. */
export const FEATURES = [
  { key: "x", name: "x1", label: "x₁" },
  { key: "y", name: "x2", label: "x₂" },
  { key: "xSquared", name: "x1^2", label: "x₁²" },
  { key: "ySquared", name: "x2^2", label: "x₂²" },
  { key: "xTimesY", name: "x1*x2", label: "x₁x₂" },
  { key: "sinX", name: "sin(x1)", label: "sin(x₁)" },
  { key: "sinY", name: "sin(x2)", label: "sin(x₂)" },
];

/**
 * The table. type: enum (values), int/number (min, max), bool, ints (a list: min, max, maxLength),
 * enums (a list of values). `hash: false` keeps a property out of the URL.
 */
export const PROPS = [
  { name: "problem", type: "enum", values: ["classification", "regression"], def: "classification" },
  { name: "dataset", type: "enum", values: CLASSIFICATION_DATASETS, def: "circle" },
  { name: "regDataset", type: "enum", values: REGRESSION_DATASETS, def: "reg-plane" },
  { name: "classes", type: "int", min: 2, max: MAX_CLASSES, def: 2 },
  { name: "noise", type: "int", min: 0, max: 50, def: 0 },
  { name: "percTrainData", type: "int", min: 10, max: 90, def: 50 },
  { name: "batchSize", type: "int", min: 1, max: 100, def: 10 },
  { name: "seed", type: "int", min: 0, max: 999999, def: 1 },
  { name: "networkShape", type: "ints", min: 1, max: MAX_UNITS, maxLength: MAX_LAYERS, def: [4, 2] },
  { name: "activations", type: "enums", values: ACTIVATIONS, def: ["tanh", "tanh"] },
  { name: "learningRate", type: "number", min: 0, max: 10, def: 0.03 },
  { name: "optimizer", type: "enum", values: ["sgd", "momentum", "adam"], def: "sgd" },
  { name: "regularization", type: "enum", values: ["none", "L1", "L2"], def: "none" },
  { name: "regularizationRate", type: "number", min: 0, max: 10, def: 0 },
  ...FEATURES.map((f, i) => ({ name: f.key, type: "bool", def: i < 2 })),
  { name: "showTestData", type: "bool", def: false },
  { name: "discretize", type: "bool", def: false },
  { name: "embed", type: "bool", def: false, optional: true },
  // Look inside one training step (js/inside/): the mode, its point and a chosen label (absent: the nearest point's)
  { name: "inside", type: "bool", def: false, optional: true },
  { name: "insideX1", type: "number", min: -1000, max: 1000, def: null, optional: true },
  { name: "insideX2", type: "number", min: -1000, max: 1000, def: null, optional: true },
  { name: "insideLabel", type: "number", min: -1000, max: 1000, def: null, optional: true },
];

/** Controls a link may hide with `<name>_hide=true`. */
export const HIDEABLE = [
  "problem", "dataset", "regDataset", "classes", "noise", "percTrainData", "batchSize", "seed",
  "networkShape", "activations", "learningRate", "optimizer", "regularization", "regularizationRate",
  "features", "showTestData", "discretize", "userData", "playButton", "stepButton", "resetButton",
  "insideButton",
];

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
      notes.push(`Ignored “${key}=${shorten(raw)}”: expected ${describe(p)}; using ${formatValue(p, p.def) || "none"}.`);
      continue;
    }
    state[p.name] = parsed.value;
    if (p.name === "activations") sawActivations = true;
    if (FEATURES.some((f) => f.key === p.name)) sawFeature = true;
  }
  // Consistency: one activation per hidden layer.
  const n = state.networkShape.length;
  if (!sawActivations) {
    state.activations = Array(n).fill(single || "tanh");
  } else if (state.activations.length !== n) {
    const fill = single || state.activations[state.activations.length - 1] || "tanh";
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
const TF_IGNORED = new Set(["cosX", "cosY", "collectStats", "initZero", "hideText", "tutorial", "stepButton"]);

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

/** The dict nnpy.browser.playground.Playground.configure takes. */
export function toEngine(state) {
  return {
    problem: state.problem,
    dataset: state.problem === "regression" ? state.regDataset : state.dataset,
    classes: MULTICLASS_DATASETS.includes(state.dataset) ? state.classes : 2,
    noise: state.noise / 100,
    seed: state.seed,
    train_ratio: state.percTrainData / 100,
    batch_size: state.batchSize,
    features: FEATURES.filter((f) => state[f.key]).map((f) => f.name),
    layers: state.networkShape.map((units, i) => ({ units, activation: state.activations[i] })),
    optimizer: state.optimizer,
    lr: state.learningRate,
    regularization: state.regularization === "none" ? null : state.regularization.toLowerCase(),
    reg_rate: state.regularizationRate,
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
  state.noise = clamp("noise", engine.noise * 100);
  state.percTrainData = clamp("percTrainData", engine.train_ratio * 100);
  state.batchSize = clamp("batchSize", engine.batch_size);
  state.seed = clamp("seed", engine.seed);
  const names = new Set(engine.features || []);
  for (const f of FEATURES) state[f.key] = names.has(f.name);
  if (!FEATURES.some((f) => state[f.key])) state.x = state.y = true;
  const layers = (engine.layers || []).slice(0, MAX_LAYERS);
  state.networkShape = layers.map((l) => clamp("networkShape", l.units));
  state.activations = layers.map((l) => (ACTIVATIONS.includes(l.activation) ? l.activation : "tanh"));
  if (["sgd", "momentum", "adam"].includes(engine.optimizer)) state.optimizer = engine.optimizer;
  state.learningRate = clamp("learningRate", engine.lr);
  state.regularization = engine.regularization === "l1" ? "L1" : engine.regularization === "l2" ? "L2" : "none";
  state.regularizationRate = clamp("regularizationRate", engine.reg_rate);
  return state;
}

/** The engine keys that decide the data and the network (a change of any rebuilds the network). */
export const ENGINE_REBUILD_KEYS = [
  "problem", "dataset", "classes", "noise", "seed", "train_ratio", "features", "layers",
];

/** Whether two engine states have the same data and network (they may differ in live settings). */
export function engineMatches(a, b) {
  return ENGINE_REBUILD_KEYS.every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}

/** Total weights and biases of the network a state describes. */
export function countParams(state) {
  const inputs = FEATURES.filter((f) => state[f.key]).length;
  const outputs = state.problem === "classification" && MULTICLASS_DATASETS.includes(state.dataset) &&
    state.classes > 2 ? state.classes : 1;
  const sizes = [inputs, ...state.networkShape, outputs];
  let total = 0;
  for (let i = 1; i < sizes.length; i++) total += sizes[i - 1] * sizes[i] + sizes[i];
  return total;
}

/**
 * The one place the state lives once the page runs: updates write the hash (replaceState, so the
 * back button is not flooded) and notify subscribers with the names that changed. A hash typed by
 * hand (hashchange) is parsed and applied the same way; its notes go to `onNotes`.
 */
export function createStore(initial, { onNotes = () => {} } = {}) {
  let state = structuredClone(initial);
  const listeners = [];
  let written = null;

  const write = () => {
    written = serialize(state);
    if (location.hash !== written) history.replaceState(null, "", written);
  };

  const apply = (next) => {
    const changed = new Set();
    for (const key of Object.keys(next)) {
      if (JSON.stringify(next[key]) !== JSON.stringify(state[key])) changed.add(key);
    }
    if (!changed.size) return changed;
    state = { ...state, ...structuredClone(next) };
    write();
    for (const fn of listeners) fn(state, changed);
    return changed;
  };

  window.addEventListener("hashchange", () => {
    if (location.hash === written) return;
    if (inPageTarget(location.hash)) { history.replaceState(null, "", written); return; } // a skip link, not a setup
    const { state: parsed, notes } = parseHash(location.hash);
    onNotes(notes);
    apply(parsed);
    write();
  });

  write();
  return {
    get: () => state,
    update: (patch) => apply(patch),
    subscribe: (fn) => { listeners.push(fn); },
  };
}
