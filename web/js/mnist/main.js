/**
 * The MNIST page's bootstrap, on the page core: store -> loop -> engine, as the 2-D page.
 *
 * - The store (../core/store.js over state.js's table) holds the setup in the schema's names
 *   ({layers, optimizer, lr, batch_size, epochs, n, test_fraction, seed}) and mirrors it in the
 *   URL hash. Controls only write patches into it ({lr: 0.3}) and are drawn from it: nothing is
 *   read back from the DOM.
 * - Every store change goes to the engine through the loop (../core/loop.js): `loop.sync` sends
 *   the keys that changed; a live one (optimizer, learning rate, batch size) reaches the running
 *   trainer between two chunks, any other builds a new network at epoch 0 (training stops). The
 *   loop's calls reach the worker in order, so the engine always ends on the store's last state
 *   and the summary shows the network the engine answered with.
 * - The loop trains in chunks (engine "train" with a time budget, until the run's last epoch),
 *   one at a time: each chunk is shown, and an epoch's end refreshes the views, before the next.
 * - Views get their data through the loop (loop.query); none calls the engine.
 *
 * Performance marks: "nnpy:engine-ready" (engine.js), "nnpy:mnist-ready" once digits and network
 * are in place and the Train button works.
 */

import { createEngine } from "../core/engine.js";
import { createLoop } from "../core/loop.js";
import { createStore } from "../core/store.js";
import { formValue, rebuildKeys } from "../core/settings.js";
import { inPageTarget } from "../core/hash.js";
import { createShare } from "../core/share.js";
import { askBeforeLeaving } from "../core/leave.js";
import { createNotes, failureHint } from "../core/status.js";
import { formatLoss, formatNumber } from "../core/numbers.js";
import { DigitsMissing, fetchDigits } from "./data.js";
import { createCharts } from "./charts.js";
import { createConfusion } from "./confusion.js";
import { createDigits } from "./digits.js";
import { LIMIT as WEIGHT_LIMIT, createWeights } from "./weights.js";
import { createDrawPad } from "./draw.js";
import { createLayers } from "./layers.js";
import { createModelFiles } from "./files.js";
import { createInside } from "./inside.js";
import { createKept } from "./kept.js";
import {
  BATCH_SIZES, DIGITS, EPOCHS, LEARNING_RATES, MAX_SEED, OPTIMIZERS, PAGE_KEYS, TEST_RATIOS, fromEngine, parseHash,
  serialize, toEngine,
} from "./state.js";

const $ = (id) => document.getElementById(id);
const DATA_URL = "data/mnist.npz";
const INSIDE_KEYS = ["inside", "insideDigit", "insideLabel"];
const CHUNK_MS = 200;
const REBUILD = rebuildKeys("mnist");
const STAGES = {
  "build-info": "Reading the build", pyodide: "Starting Python (Pyodide)", numpy: "Loading NumPy",
  scipy: "Loading SciPy (fast matrix products)", nnpy: "Installing nnpy", import: "Importing nnpy and SciPy",
  ready: "Ready",
};
const pct = (x, digits = 1) => `${(x * 100).toFixed(digits)} %`;
const lastLine = (err) => ((err && (err.lastLine || err.message)) || String(err))
  .replace(/^(DataError|ValueError|RuntimeError|TypeError|Error): /, "");
const NOT_READY = () => (page.dataMissing ? "the digits are missing, so there is no network" : "the network is not ready yet");

/** What the page knows beyond the settings: where the engine and the run stand. */
const page = { ready: false, dataMissing: false };
const run = { epoch: 0, steps: 0, history: [], fromFile: null, target: null, samples: 0, ms: 0, failed: false, reported: false };
// Leaving the page loses its trained network (kept.js keeps it only through a Python restart): the
// browser's own "Leave site?" asks first while steps were trained since the last export
let exportedSteps = 0;
askBeforeLeaving(() => run.steps > exportedSteps);

// ---------------------------------------------------------------- store and engine
const notes = createNotes($("notes"));
const parsed = parseHash(inPageTarget(location.hash) ? "" : location.hash); // "#train-button" is no setup
showNotes(parsed.notes);
const store = createStore(parsed.state, { parse: parseHash, serialize, onNotes: showNotes });
const engine = createEngine({ engine: "mnist", onProgress: showProgress, onStopped: engineStopped });
const loop = createLoop(engine, {
  rebuildKeys: REBUILD,
  depth: 1,
  chunk: () => ({ method: "train", args: { budget_ms: CHUNK_MS, until_epoch: run.target } }),
  onChunk: showChunk,
  onPlaying: playing,
  onError: (err, what) => {
    if (what === "train") run.failed = true; // said in the status line, which the summary must not overwrite
    fail(err);
  },
});
const query = (method, args) => loop.query(method, args);
const kept = createKept(); // the weights (and file) a restarted Python goes on from

// ---------------------------------------------------------------- views
const charts = createCharts($("charts"));
const confusion = createConfusion($("confusion"), { onCell: (t, p) => digits.setCell(t, p).catch(fail) });
const digits = createDigits({
  grid: $("digits"), onlyMistakes: $("only-mistakes"), showAll: $("digits-all"), caption: $("digits-caption"),
  prev: $("digits-prev"), next: $("digits-next"), pageLabel: $("digits-page"),
}, {
  fetchPage: (request) => query("digits", request),
  onPick: (image, test) => {
    pad.putDigit(image);
    inside.setDigit(test);
    $("draw-canvas").scrollIntoView({ block: "nearest", behavior: "smooth" });
  },
});
const weights = createWeights($("weights"));
const pad = createDrawPad({
  canvas: $("draw-canvas"), hint: $("canvas-hint"), seen: $("seen-canvas"), prediction: $("prediction"),
  probs: $("probs"), clearButton: $("clear-canvas"),
}, {
  classify: (alpha, width, height) => (page.ready ? query("classify", { pixels: alpha, width, height })
    : Promise.reject(new Error(NOT_READY()))),
  note: () => (run.steps === 0 && !run.fromFile ? "The network is untrained: press Train first." : ""),
});
// Look inside one training step on the pad's digit (inside.js): it pauses training
const inside = createInside(document, {
  call: (method, args) => query(method, args), pause: () => loop.settle(), isReady: () => page.ready,
  onStep: (out) => { // a step taken here is a training step: it counts (the leave prompt, the pad's note)
    run.steps = out.steps;
    return refreshViews().catch(fail);
  },
  onChange: (part) => store.update(part), // the mode and its test digit in the URL, for a teacher's link
});
const layers = createLayers($("layers"), $("add-layer"), { onChange: (next) => store.update({ layers: next }) });
const share = createShare({
  button: $("share-button"), panel: $("share-panel"), link: $("share-link"), copy: $("share-copy"),
  copied: $("share-copied"), close: $("share-close"),
});
const files = createModelFiles({
  exportButton: $("export-model"), importButton: $("import-model"), input: $("model-file"),
  bar: $("file-status"), text: $("file-status-text"), dismiss: $("file-status-close"), dropHint: $("drop-hint"),
}, {
  exportModel: () => query("export_model").then((out) => {
    exportedSteps = run.steps;
    return { data: out.data.data, filename: out.filename };
  }),
  importModel: (bytes, name) => importModel(bytes, name),
  notReady: () => (page.ready ? "" : NOT_READY()),
});

// ---------------------------------------------------------------- controls: store -> DOM, DOM -> store
/** Fill a select with the schema's options (labelled), keeping any extra option a file added. */
function fillOptions(select, values, label = String) {
  select.replaceChildren(...values.map((v) => new Option(label(v), String(v))));
}
fillOptions($("optimizer"), OPTIMIZERS, (v) => ({ sgd: "SGD", momentum: "Momentum", adam: "Adam" })[v] || v);
fillOptions($("lr"), LEARNING_RATES);
fillOptions($("batch-size"), BATCH_SIZES);
fillOptions($("epochs"), EPOCHS);
fillOptions($("subset"), DIGITS, (v) => v.toLocaleString("en") + (v === DIGITS[DIGITS.length - 1] ? " (all)" : ""));
fillOptions($("test-fraction"), TEST_RATIOS, (v) => `${Number((v * 100).toFixed(1))} %`);
$("seed").max = String(MAX_SEED);

/** The controls that write each setting, and how a value reads from them. */
const CONTROLS = [
  ["optimizer", "optimizer", String], ["lr", "lr", Number], ["batch-size", "batch_size", Number],
  ["epochs", "epochs", Number], ["subset", "n", Number], ["test-fraction", "test_fraction", Number],
];
for (const [id, key, read] of CONTROLS) {
  $(id).addEventListener("change", () => store.update({ [key]: read($(id).value) }));
}
$("seed").addEventListener("change", () => {
  // as on the 2-D page and in a link: a seed that is not a whole number 0..MAX_SEED is refused, said,
  // and the network stays as it is (never a guessed seed: -1 is not 0, 1e308 not the largest)
  const seed = formValue("mnist", "seed", $("seed").value, { label: "The seed" });
  if (!seed.ok) {
    $("seed").setAttribute("aria-invalid", "true");
    status(`${seed.message} The network keeps seed ${store.get().seed}.`);
    return;
  }
  $("seed").removeAttribute("aria-invalid");
  store.update({ seed: seed.value });
});

/** Show `value` in a select, adding an option for a value the page does not list (from a file or a link). */
function choose(select, value, label) {
  const v = String(value);
  if (![...select.options].some((o) => o.value === v)) select.append(new Option(label, v));
  select.value = v;
}

/** Draw the controls from the store's state (setting a control fires no change event). */
function renderControls(s) {
  choose($("subset"), s.n, s.n.toLocaleString("en"));
  choose($("test-fraction"), s.test_fraction, `${Number((s.test_fraction * 100).toFixed(1))} %`);
  $("seed").value = String(s.seed);
  $("seed").removeAttribute("aria-invalid");
  choose($("optimizer"), s.optimizer, s.optimizer);
  choose($("lr"), s.lr, String(s.lr));
  choose($("batch-size"), s.batch_size, String(s.batch_size));
  choose($("epochs"), s.epochs, String(s.epochs));
  if (JSON.stringify(layers.get()) !== JSON.stringify(s.layers)) layers.set(s.layers);
}

function setEnabled(on) {
  for (const id of ["train-button", "reset-button", "sample-digit", "subset", "test-fraction", "seed"]) $(id).disabled = !on;
  for (const id of ["optimizer", "lr", "batch-size", "epochs"]) $(id).disabled = !on && page.importing;
  layers.setDisabled(!on);
  inside.setEnabled(on);
  files.setEnabled(on);
}

function status(text) { $("train-status").textContent = text; }

function fail(err) {
  if (err && err.type === "EngineStopped") return; // said by engineStopped, with its way back
  status(`Error: ${lastLine(err)}`);
  console.error(err);
}

/** Show a link's notes, or hide the last link's when this one is fine. */
function showNotes(list) {
  if (list.length) notes.show(list);
  else notes.hide();
}

store.subscribe((state, changed) => {
  renderControls(state);
  share.refresh();
  if (page.ready) sync(changed);
  if (page.ready && INSIDE_KEYS.some((k) => changed.has(k))) inside.fromState(state); // an edited link
});
renderControls(store.get());

// ---------------------------------------------------------------- the engine follows the store
/** Send the store's state to the engine (only what changed); show what the engine answers. */
function sync(changed = new Set()) {
  const rebuild = [...changed].some((k) => REBUILD.includes(k));
  if (rebuild) loop.pause(); // a new network: training stops, as at a Reset
  const live = [...changed].filter((k) => !REBUILD.includes(k) && !PAGE_KEYS.includes(k));
  return loop.sync(toEngine(store.get())).then((out) => {
    if (!out) return out;
    if (out.data) showSplit(out.data);
    if (out.changed.includes("network")) {
      kept.newNetwork();
      if (!isLatest(out)) return out; // a later change is on its way: show that one
      return newNetwork(out.network).then(() => { status("New network: press Train."); return out; });
    }
    if (live.length) status(loop.playing ? `Changed while training: ${live.map(describeSetting).join(", ")}.` : "");
    return out;
  }, fail);
}

/** Whether an engine answer is for the store's current network (not one changed since). */
function isLatest(out) {
  const want = toEngine(store.get());
  return REBUILD.every((k) => k === "dtype" || JSON.stringify(out.state[k]) === JSON.stringify(want[k]));
}

function describeSetting(key) {
  const s = store.get();
  return { optimizer: `optimizer ${s.optimizer}`, lr: `learning rate ${s.lr}`, batch_size: `batch size ${s.batch_size}` }[key] || key;
}

// ---------------------------------------------------------------- start-up
function showProgress({ stage, fraction }) {
  $("engine-progress").value = fraction;
  $("engine-progress").textContent = pct(fraction, 0);
  $("engine-stage").textContent = `${STAGES[stage] || stage}… ${Math.round(fraction * 100)} %`;
}

const STARTING_HINT = document.querySelector("#engine-status .engine-hint").textContent;

function waitForEngine() {
  const box = $("engine-status");
  box.hidden = false;
  box.classList.remove("failed");
  box.querySelector(".engine-hint").textContent = STARTING_HINT;
  $("engine-retry").hidden = true;
  $("engine-progress").hidden = false;
  return engine.ready.then((info) => {
    box.hidden = true;
    const i = info.info;
    $("versions").textContent = `nnpy ${i.nnpy}, NumPy ${i.numpy}, Python ${i.python} (Pyodide ${info.pyodide}); ` +
      `matrix products: ${i.matmul === "blas" ? "SciPy's BLAS (sgemm)" : "plain NumPy"}.`;
    for (const w of info.warnings) status(`Note: ${w} Training runs on plain NumPy, more slowly.`);
    return info;
  }, (err) => {
    box.classList.add("failed");
    box.querySelector(".engine-title").textContent = "The Python engine could not run.";
    $("engine-stage").textContent = lastLine(err);
    box.querySelector(".engine-hint").textContent = failureHint(err);
    $("engine-progress").hidden = true;
    $("engine-retry").hidden = false;
    throw err;
  });
}

function loadDigits() {
  const bar = $("data-progress");
  const text = $("data-progress-text");
  return fetchDigits(DATA_URL, ({ loaded, total }) => {
    const mb = (x) => (x / 1e6).toFixed(1);
    if (total) { bar.value = loaded / total; bar.textContent = pct(loaded / total, 0); }
    else bar.removeAttribute("value");
    text.textContent = total ? `${mb(loaded)} of ${mb(total)} MB` : `${mb(loaded)} MB`;
  }).then((bytes) => {
    $("data-load").hidden = true;
    return bytes;
  }, (err) => {
    $("data-load").hidden = true;
    if (err instanceof DigitsMissing) {
      page.dataMissing = true;
      const banner = $("data-missing");
      banner.querySelector(".banner-text").textContent = err.message;
      banner.hidden = false;
      $("data-summary").textContent = "No digits: this site was built without them.";
    }
    throw err;
  });
}

async function init(restore = null) {
  setEnabled(false);
  const digitsFile = loadDigits();
  digitsFile.catch(() => {}); // reported by loadDigits
  let bytes;
  try {
    await waitForEngine();
    bytes = await digitsFile;
  } catch (err) {
    if (!(err instanceof DigitsMissing) && !$("engine-status").classList.contains("failed")) fail(err);
    return;
  }
  $("data-summary").textContent = "Reading the digits…";
  const loaded = await query("load_data", { data: bytes });
  $("data-summary").textContent = `${loaded.digits.toLocaleString("en")} digits loaded.`;
  const out = await loop.configure(toEngine(store.get())); // the whole state, the first time
  if (out.data) showSplit(out.data);
  await newNetwork(out.network);
  let put = null; // after a restart: the network the page kept (kept.js)
  let lost = "";
  try {
    put = await kept.restore(restore, { edit: (method, args) => loop.edit(method, args),
      resend: () => loop.configure(toEngine(store.get())) });
  } catch (err) { lost = ` The kept network could not be put back (${lastLine(err)}): it starts again.`; }
  if (put) { await newNetwork(put.network); run.steps = put.steps; }
  page.ready = true;
  setEnabled(true);
  await sync(); // a change made while the first network was built
  performance.mark("nnpy:mnist-ready");
  inside.refresh(); // open through a restart: its step was asked while Python was not ready ("not ready yet")
  inside.fromState(store.get()); // a link that opens Look inside
  status(put ? `Python restarted: the network is back at epoch ${run.epoch}. Press Train to go on.` : `Ready: press Train.${lost}`);
}

$("engine-retry").addEventListener("click", () => { page.ready = false; engine.restart(); init(kept.take()); });

/** The engine died after it ran (engine.js noticed): say so; Restart starts Python again with the store's settings. */
function engineStopped(err) {
  page.ready = false;
  loop.pause();
  setEnabled(false);
  const box = $("engine-status");
  box.hidden = false;
  box.classList.add("failed");
  box.querySelector(".engine-title").textContent = "Python stopped, so training stopped.";
  $("engine-stage").textContent = lastLine(err);
  box.querySelector(".engine-hint").textContent = kept.describe();
  $("engine-progress").hidden = true;
  $("engine-retry").textContent = "Restart Python";
  $("engine-retry").hidden = false;
  status("Python stopped: restart it to train.");
}

// ---------------------------------------------------------------- what the engine answered
function showSplit(d) {
  $("data-summary").textContent = `${d.train.toLocaleString("en")} training and ${d.test.toLocaleString("en")} test digits ` +
    `(a stratified split of ${d.digits_in_file.toLocaleString("en")}).`;
  inside.setTestCount(d.test);
}

/** A network at epoch 0 (new, reset or imported): its summary, empty charts, fresh views. */
function newNetwork(net) {
  // Train pressed while this network was on its way: the run trains it for the store's epochs
  const target = loop.playing ? net.epoch + store.get().epochs : null;
  Object.assign(run, { epoch: net.epoch, steps: 0, history: net.history, fromFile: net.from_file, target });
  exportedSteps = 0;
  $("net-summary").textContent = `${net.sizes.join(" → ")}: ${net.params.toLocaleString("en")} weights and biases` +
    (run.fromFile ? `, from ${run.fromFile}.` : ".");
  showEpoch(0);
  showMetrics(null);
  charts.clear(net.history);
  digits.reset();
  confusion.clearSelection();
  $("diverged").hidden = true;
  return refreshViews().catch(fail);
}

function showEpoch(progress) {
  $("epoch").value = String(run.epoch);
  $("epoch").textContent = run.target ? `${run.epoch} / ${run.target}` : String(run.epoch);
  $("epoch-progress").value = progress;
  $("epoch-progress").textContent = pct(progress, 0);
}

function showMetrics(ev) {
  const r = run.history[run.history.length - 1];
  $("train-acc").textContent = r ? pct(r.train_accuracy) : "–";
  $("train-loss").textContent = r ? formatLoss(r.train_loss, 4) : "–";
  $("test-acc").textContent = ev ? pct(ev.test_accuracy, 2) : "–";
  $("test-loss").textContent = ev ? formatLoss(ev.test_loss, 4) : "–";
  $("test-acc").dataset.value = ev ? String(ev.test_accuracy) : "";
}

async function refreshViews() {
  const ev = await query("evaluate");
  showMetrics(ev);
  confusion.render(ev);
  weights.render(await query("weights", { limit: WEIGHT_LIMIT }));
  await digits.refresh();
  if (pad.hasInk()) pad.reclassify();
  inside.refresh();
  return ev;
}

// ---------------------------------------------------------------- training (the loop runs it)
function train() {
  if (!page.ready || loop.playing) return;
  inside.close(); // the step it showed is out of date once training moves on
  if (run.target === null || run.epoch >= run.target) run.target = run.epoch + store.get().epochs;
  loop.play();
}

/** The loop started or stopped (Train, Stop, the run's end, divergence, a new network). */
function playing(on) {
  const b = $("train-button");
  b.classList.toggle("playing", on);
  b.setAttribute("aria-label", on ? "Stop training" : "Train");
  b.setAttribute("aria-pressed", String(on));
  if (on) {
    run.failed = false;
    run.reported = false;
    $("diverged").hidden = true;
    run.samples = run.ms = 0;
    showEpoch($("epoch-progress").value);
    return;
  }
  const gen = loop.generation;
  loop.settle().then(() => (gen === loop.generation ? refreshViews() : null)).then((ev) => {
    if (!ev || gen !== loop.generation || run.failed) return; // a new network replaced this one, or an error is said
    const where = ev.epoch_progress > 0 ? `${(ev.epoch + ev.epoch_progress).toFixed(2)} epochs` : `epoch ${ev.epoch}`;
    const right = `Stopped after ${where}: ${pct(ev.test_accuracy, 2)} of the test digits right.`;
    // a report (dead network, blow-up) stopped it: its message says what to do, training on is not it
    status(run.reported ? `${right} The message below says why, and the ways on.` : `${right} The network is kept: draw a digit, or train on.`);
  }, fail);
}

/** One chunk landed: show it. Returns true when training should stop (run done, diverged). */
async function showChunk(chunk) {
  run.epoch = chunk.epoch;
  run.steps = chunk.step_count;
  run.samples += chunk.steps * store.get().batch_size;
  run.ms += chunk.train_ms;
  showEpoch(chunk.epoch_progress);
  if (chunk.loss !== null) charts.chunk(chunk.epoch + chunk.epoch_progress, chunk.loss);
  for (const r of chunk.epochs) { run.history.push(r); charts.epoch(r); }
  kept.chunk(chunk, chunk.history || run.history);
  if (chunk.epochs.length) { // shown with the new epoch number; evaluate() below refines it
    const r = chunk.epochs[chunk.epochs.length - 1];
    showMetrics({ test_accuracy: r.test_accuracy, test_loss: r.test_loss });
  }
  status(`Training: ${Math.round((run.samples / run.ms) * 1000).toLocaleString("en")} digits a second.`);
  if (chunk.epochs.length) await refreshViews().catch(fail);
  if (chunk.report) {
    if (chunk.history) { // training went back to earlier weights: the later epochs never happened
      run.history = chunk.history;
      charts.clear(run.history);
      run.target = null;
    }
    showReport(chunk.report);
  }
  return Boolean(chunk.report || chunk.done);
}

// ---------------------------------------------------------------- when training blows up
// The engine's report (nnpy/browser/health.py) holds the words and the ways back that work here.
let shownReport = null;
function showReport(report) {
  shownReport = report;
  run.reported = true;
  const banner = $("diverged");
  banner.querySelector(".banner-text").textContent = report.message;
  for (const button of banner.querySelectorAll("button[data-action]")) {
    button.hidden = !report.actions.includes(button.dataset.action);
  }
  $("diverged-lower").textContent = `Go on at learning rate ${formatNumber(report.lower)}`;
  $("diverged-fresh").textContent = `Start again at learning rate ${formatNumber(report.lower)}`;
  $("diverged-leaky").textContent = `Switch to leaky ReLU at rate ${formatNumber(report.lower)}`;
  banner.setAttribute("role", report.kind === "dead" ? "status" : "alert");
  banner.hidden = false;
}
$("diverged-lower").addEventListener("click", () => {
  $("diverged").hidden = true;
  store.update({ lr: shownReport.lower }); // a live setting: the loop sends it before the next chunk
  train();
});
// a network that died: start again from the starting weights at the report's rate, or with leaky ReLU
$("diverged-fresh").addEventListener("click", () => {
  $("diverged").hidden = true;
  store.update({ lr: shownReport.lower });
  reset().then(train, fail);
});
$("diverged-leaky").addEventListener("click", () => {
  $("diverged").hidden = true;
  const leaky = store.get().layers.map((l) => (l.activation === "relu" ? { ...l, activation: "leaky_relu" } : l));
  store.update({ lr: shownReport.lower, layers: leaky }); // a new network: the store's sync builds it
  loop.settle().then(() => sync()).then(train, fail);
});

async function reset() {
  if (!page.ready) return;
  loop.pause();
  const out = await loop.reset();
  kept.startAgain();
  await newNetwork(out.network);
  charts.clear();
  status(run.fromFile ? `The network starts again from ${run.fromFile}'s weights.` : "The network starts again (same seed).");
}

// ---------------------------------------------------------------- model files
async function importModel(bytes, name) {
  await loop.settle(); // the epoch shown is the engine's: nothing trains behind the import
  page.importing = true;
  setEnabled(false); // no setting may reach the engine between the import and the controls showing it
  try {
    const out = await loop.edit("import_model", { data: bytes, name }); // throws: nothing changed
    kept.imported(bytes, name);
    const next = fromEngine(out.state, store.get());
    loop.assume(toEngine(next)); // the engine holds it already: the store's change sends nothing
    store.update(next);
    if (out.data) showSplit(out.data);
    await newNetwork(out.network); // the model is in: a view that fails to draw does not undo that
    status("Imported: draw a digit, or press Train to train it further.");
    return out.message;
  } finally {
    page.importing = false;
    setEnabled(true);
  }
}

// ---------------------------------------------------------------- buttons and keys
$("train-button").addEventListener("click", () => (loop.playing ? loop.pause() : train()));
$("reset-button").addEventListener("click", () => reset().catch(fail));
$("diverged-reset").addEventListener("click", () => reset().catch(fail));
$("sample-digit").addEventListener("click", () => {
  const shown = digits.lastPage();
  if (!shown || !shown.true.data.length) return;
  const i = Math.floor(Math.random() * shown.true.data.length);
  pad.putDigit(shown.images.data.subarray(i * 784, (i + 1) * 784));
  inside.setDigit({ index: shown.index.data[i], label: shown.true.data[i] });
});

document.addEventListener("keydown", (e) => {
  const t = e.target;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (t.closest && t.closest("input, select, textarea, button, canvas, a")) return;
  if (e.key === " ") { e.preventDefault(); loop.playing ? loop.pause() : train(); }
  else if (e.key === "r" || e.key === "R") reset().catch(fail);
});

init();

// for the browser tests: read-only handles
window.nnpy = { store, loop, engine, inside, get kept() { return kept.take(); } };
