/**
 * The MNIST page's setup and its URL hash, as the 2-D playground's state.js does it: one table of
 * properties with types, defaults and limits; `parseHash` reads a hash back, refusing bad values
 * with a note (the default is used instead), and `serialize` writes every property, so
 * parseHash(serialize(s)) gives s back. Pure functions: no DOM, nothing from the hash is evaluated.
 *
 *   const { state, notes } = parseHash(location.hash);  // notes: short readable strings
 *   state  // {layers: [{units, activation}], optimizer, lr, batch_size, epochs, n, test_fraction, seed,
 *          //  inside, insideDigit, insideLabel}  (the last four: the page's own, never the engine's)
 *   history.replaceState(null, "", serialize(state));
 *   engine.call("configure", { state: toEngine(state) });   // the same names: toEngine only drops epochs
 *
 * One vocabulary: the state uses the schema's names (nnpy/browser/schema.py), the engine's too.
 * The hash uses link names, the 2-D page's where the meaning is the same (networkShape,
 * activations, optimizer, learningRate, batchSize, seed); epochs, digits and testRatio are this
 * page's own. `layers=` is read as networkShape, and `activation=` (one for every layer) as on the
 * 2-D page.
 *
 * Limits: enumerations (optimizer, activations, epochs) take exactly the page's options; numbers
 * take what nnpy.browser.mnist.check_state takes (a model file can bring 100 units or lr 0.05,
 * which the page shows by adding an option, so a link made after an import reproduces it).
 */

import { capNotes, count, describe, findValue, formatValue, hashPart, hashParts, MAX_NOTES, parseValue, shorten } from "../core/hash.js";
import { SCHEMA, row } from "../core/settings.js";

export { formatValue, parseValue };

// Every list, limit and default below comes from nnpy/browser/schema.py (as js/core/schema.js).
const PAGE = SCHEMA.pages.mnist;
const LAYERS = row("mnist", "layers");

/** The hidden layers the layer editor offers, and the limits of nnpy.browser.mnist. */
export const UNITS = LAYERS.unit_options;
export const ACTIVATIONS = LAYERS.activations.map((name, i) => [name, LAYERS.activation_labels[i]]);
export const ACTIVATION_NAMES = LAYERS.activations;
export const DEFAULT_ACTIVATION = LAYERS.default_activation;
export const DEFAULT_UNITS = LAYERS.default[0].units; // a first layer added to none
export const MAX_LAYERS = LAYERS.max_layers;
export const MAX_UNITS = LAYERS.max_units;
export const OPTIMIZERS = row("mnist", "optimizer").values;
/** The options of the page's selects (mnist.html); the hash takes other values in range for all but epochs. */
export const LEARNING_RATES = row("mnist", "lr").options;
export const BATCH_SIZES = row("mnist", "batch_size").options;
export const EPOCHS = row("mnist", "epochs").values;
export const DIGITS = row("mnist", "n").options;
export const TEST_RATIOS = row("mnist", "test_fraction").options;
export const MAX_DIGITS = row("mnist", "n").max;   // the digits in data/mnist.npz
export const MAX_SEED = row("mnist", "seed").max;
export const MIN_TEST_DIGITS = PAGE.min_test_digits; // the engine's least: one per class
export { MAX_NOTES };

/** A schema row as a hash property (../core/hash.js's types), named by its link key. */
function prop(name, extra = {}) {
  const r = row("mnist", name);
  const base = { name: r.link, type: r.type, def: r.default, setting: name, [r.kind]: true,
    ...(r.optional ? { optional: true } : {}) };
  if (r.type === "int" || r.type === "number") Object.assign(base, { min: r.min, max: r.max });
  if (r.type === "enum" || r.type === "choice") base.values = r.values;
  return { ...base, ...extra };
}

/**
 * The table (the types are ../core/hash.js's): int/number (min, max), choice (a number among
 * values), enum (values), ints (whole numbers min..max; past maxLength the first are kept, with a
 * note), enums (a list of values). `setting` is the schema's (and the engine's) name;
 * `network`/`data`: a change builds a new network at epoch 0; `live`: the engine takes it while
 * training; `page`: the engine never sees it.
 */
export const PROPS = [
  { name: LAYERS.link, type: "ints", min: 1, max: MAX_UNITS, maxLength: MAX_LAYERS, truncate: true,
    def: LAYERS.default.map((l) => l.units), network: true },
  { name: LAYERS.activations_link, type: "enums", values: ACTIVATION_NAMES,
    def: LAYERS.default.map((l) => l.activation), network: true },
  prop("optimizer"),
  prop("lr"),
  prop("batch_size"),
  prop("epochs"),
  prop("n"),
  prop("test_fraction"),
  prop("seed"),
  // Look inside (page only; written only while it is open on a test digit: optional)
  prop("inside"),
  prop("insideDigit"),
  prop("insideLabel"),
];

/** The page's own settings: the engine never sees them, and a change of them builds nothing. */
export const PAGE_KEYS = PROPS.filter((p) => p.page).map((p) => p.setting);

const BY_NAME = new Map(PROPS.map((p) => [p.name, p]));
const ALIASES = new Map(LAYERS.aliases.map((alias) => [alias, LAYERS.link]));

/** The page's default setup: 784 → 128 ReLU → 10, momentum, lr 0.1, batch 64, 10 epochs a run. */
export function defaults() {
  return fromLinks(linkDefaults());
}

function linkDefaults() {
  const links = {};
  for (const p of PROPS) links[p.name] = Array.isArray(p.def) ? [...p.def] : p.def;
  return links;
}

/** Hash keys -> the state (schema names): networkShape and activations become layers. */
function fromLinks(links) {
  const state = { layers: links[LAYERS.link].map((units, i) => ({ units, activation: links[LAYERS.activations_link][i] })) };
  for (const p of PROPS) if (p.setting) state[p.setting] = links[p.name];
  return state;
}

/** The state -> hash keys. */
function toLinks(state) {
  const links = {
    [LAYERS.link]: state.layers.map((l) => l.units),
    [LAYERS.activations_link]: state.layers.map((l) => l.activation),
  };
  for (const p of PROPS) if (p.setting) links[p.name] = state[p.setting];
  return links;
}

/**
 * Read a URL hash ("#networkShape=64,64&optimizer=adam"). Unknown keys, bad values and
 * inconsistent settings each give a note (at most MAX_NOTES, then a count); the state is always
 * complete and valid: what was not given, or was refused, is the default.
 * @returns {{state: object, notes: string[]}}
 */
export function parseHash(hash) {
  const links = linkDefaults();
  const notes = [];
  let single = null;          // activation=tanh: one activation for every layer
  let sawActivations = false;
  for (const { key, raw, note } of hashParts(hash, ALIASES)) {
    if (note) { notes.push(note); continue; }
    if (key === LAYERS.activation_link) {
      const hit = findValue(ACTIVATION_NAMES, raw);
      if (hit) single = hit;
      else notes.push(`Ignored “${key}=${shorten(raw)}”: expected one of ${ACTIVATION_NAMES.join(", ")}.`);
      continue;
    }
    const p = BY_NAME.get(ALIASES.get(key) || key);
    if (!p) {
      notes.push(`Ignored “${shorten(key)}”: not a setting of this page.`);
      continue;
    }
    const parsed = parseValue(p, raw);
    if (!parsed.ok) {
      notes.push(`Ignored “${shorten(key)}=${shorten(raw)}”: expected ${describe(p)}; using ${p.def == null ? "none" : formatValue(p, p.def) || "none"}.`);
      continue;
    }
    let value = parsed.value;
    if (p.type === "ints" && value.length > p.maxLength) {
      notes.push(`The link has ${value.length} hidden layers; the page takes ${p.maxLength}, so the rest are dropped.`);
      value = value.slice(0, p.maxLength);
    }
    links[p.name] = value;
    if (p.name === LAYERS.activations_link) sawActivations = true;
  }
  settle(links, notes, { single, sawActivations });
  return { state: fromLinks(links), notes: capNotes(notes) };
}

/** Make the parsed values agree with one another: an activation per layer, enough test digits. */
function settle(links, notes, { single, sawActivations }) {
  const shape = LAYERS.link, acts = LAYERS.activations_link;
  const n = links[shape].length;
  if (!sawActivations) {
    links[acts] = Array(n).fill(single || LAYERS.default_activation);
  } else if (links[acts].length !== n) {
    const fill = single || links[acts][links[acts].length - 1] || LAYERS.default_activation;
    const given = count(links[acts].length, "activation");
    notes.push(`The link lists ${given} for ${count(n, "hidden layer")}; ` +
      (links[acts].length < n ? `the missing ones are ${fill}.` : "the extra ones are dropped."));
    links[acts] = Array.from({ length: n }, (_, i) => links[acts][i] || fill);
  }
  const digits = row("mnist", "n").link, ratio = row("mnist", "test_fraction").link;
  if (links[digits] * links[ratio] < MIN_TEST_DIGITS) {
    const def = BY_NAME.get(ratio).def;
    notes.push(`${ratio}=${links[ratio]} of ${links[digits]} digits leaves fewer than ${MIN_TEST_DIGITS} to test on; using ${def}.`);
    links[ratio] = def;
  }
}

/**
 * The hash for a state: every property, in PROPS order, so a link does not depend on today's
 * defaults; the optional ones (Look inside's) only when they are not at their default.
 */
export function serialize(state) {
  const links = toLinks(state);
  return "#" + PROPS.filter((p) => !p.optional || links[p.name] !== p.def).map((p) => hashPart(p, links[p.name])).join("&");
}

/** The engine's settings (what nnpy.browser.mnist.MnistPlayground.configure takes): the same names. */
export const ENGINE_KEYS = SCHEMA.settings.mnist.filter((r) => r.kind !== "page" && r.name !== "dtype").map((r) => r.name);

/** The dict nnpy.browser.mnist.MnistPlayground.configure takes: the state without the page's own settings. */
export function toEngine(state) {
  return Object.fromEntries(ENGINE_KEYS.map((k) => [k, structuredClone(state[k])]));
}

/**
 * The page's state for an engine state (what an imported model file brings); the epochs per run,
 * which the engine does not know, come from `base`. toEngine(fromEngine(s)) has s's values.
 */
export function fromEngine(engine, base = defaults()) {
  return { ...base, ...toEngine(engine) };
}
