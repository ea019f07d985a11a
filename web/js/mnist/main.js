/**
 * The MNIST page's bootstrap: starts the "mnist" engine (nnpy.browser.mnist with SciPy's BLAS)
 * and fetches the digits at the same time, then wires the controls, the training loop and the
 * views. Views never talk to the engine; this module does. Model files (files.js): an import
 * sets the controls from the engine's new state without firing their change events, so the
 * imported weights are not rebuilt away.
 *
 * The setup lives in the URL hash (state.js): read on load (a bad part gets a note and its
 * default), written with history.replaceState whenever a control changes or a model is imported,
 * and applied like the controls when the reader edits it (hashchange). The controls are the
 * truth; the hash is written from them.
 *
 * Performance marks: "nnpy:engine-ready" (engine.js), "nnpy:mnist-ready" once digits and network
 * are in place and the Train button works.
 */

import { createEngine } from "../core/engine.js";
import { DigitsMissing, fetchDigits } from "./data.js";
import { createCharts } from "./charts.js";
import { createConfusion } from "./confusion.js";
import { createDigits } from "./digits.js";
import { LIMIT as WEIGHT_LIMIT, createWeights } from "./weights.js";
import { createDrawPad } from "./draw.js";
import { createLayers } from "./layers.js";
import { createModelFiles } from "./files.js";
import { createInside } from "./inside.js";
import { createShare } from "../core/share.js";
import { MAX_SEED, changesLive, fromEngine, needsRebuild, parseHash, serialize, toEngine } from "./state.js";
import { inPageTarget } from "../core/hash.js";
import { createNotes, failureHint } from "../core/status.js";
import { formatLoss, formatNumber } from "../core/numbers.js";

const $ = (id) => document.getElementById(id);
const DATA_URL = "data/mnist.npz";
const CHUNK_MS = 200;
// A training chunk that has not answered in this long means Python hangs or is gone (engine.js):
// a chunk takes CHUNK_MS plus, at an epoch's end, an evaluation of the test digits.
const CALL_TIMEOUT_MS = 30_000;
const STAGES = {
  "build-info": "Reading the build", pyodide: "Starting Python (Pyodide)", numpy: "Loading NumPy",
  scipy: "Loading SciPy (fast matrix products)", nnpy: "Installing nnpy", import: "Importing nnpy and SciPy",
  ready: "Ready",
};
const pct = (x, digits = 1) => `${(x * 100).toFixed(digits)} %`;
const lastLine = (err) => ((err && (err.lastLine || err.message)) || String(err))
  .replace(/^(DataError|ValueError|RuntimeError|TypeError|Error): /, "");

// ---------------------------------------------------------------- views
const charts = createCharts($("charts"));
const confusion = createConfusion($("confusion"), { onCell: (t, p) => digits.setCell(t, p).catch(fail) });
const digits = createDigits({
  grid: $("digits"), onlyMistakes: $("only-mistakes"), showAll: $("digits-all"), caption: $("digits-caption"),
  prev: $("digits-prev"), next: $("digits-next"), pageLabel: $("digits-page"),
}, {
  fetchPage: (request) => engine.call("digits", request),
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
  classify: (alpha, width, height) => (ready ? engine.call("classify", { pixels: alpha, width, height })
    : Promise.reject(new Error(dataMissing ? "the digits are missing, so there is no network" : "the network is not ready yet"))),
  note: () => (steps === 0 && !fromFile ? "The network is untrained: press Train first." : ""),
});
// Look inside one training step on the pad's digit (inside.js): it pauses training
const inside = createInside(document, {
  call: (method, args) => engine.call(method, args), pause: () => stop(), isReady: () => ready,
  onStep: () => refreshViews().catch(fail),
});
const layers = createLayers($("layers"), $("add-layer"), { onChange: () => { writeHash(); rebuild(); } });
const notes = createNotes($("notes"));
const share = createShare({
  button: $("share-button"), panel: $("share-panel"), link: $("share-link"), copy: $("share-copy"),
  copied: $("share-copied"), close: $("share-close"),
});
const files = createModelFiles({
  exportButton: $("export-model"), importButton: $("import-model"), input: $("model-file"),
  bar: $("file-status"), text: $("file-status-text"), dismiss: $("file-status-close"), dropHint: $("drop-hint"),
}, {
  exportModel: () => engine.call("export_model").then((out) => ({ data: out.data.data, filename: out.filename })),
  importModel: (bytes, name) => importModel(bytes, name),
  notReady: () => (ready ? "" : dataMissing ? "the digits are missing, so there is no network" : "the network is not ready yet"),
});

// ---------------------------------------------------------------- state
let engine = null;
let ready = false;        // digits loaded and a network built
let dataMissing = false;
let running = false;
let loop = null;          // the training loop's promise while it runs
let target = null;        // train until this epoch
let epoch = 0;
let steps = 0;
let history = [];
let fromFile = null;      // the imported file's name while its network is shown

/** The seed the seed box holds: a whole number in 0..MAX_SEED (anything else typed becomes one). */
function seedValue() {
  return Math.min(MAX_SEED, Math.max(0, Math.floor(Number($("seed").value) || 0)));
}

/** The page's setup as the controls show it (a state.js state). */
function controlsState() {
  const hidden = layers.get();
  return {
    networkShape: hidden.map((l) => l.units), activations: hidden.map((l) => l.activation),
    optimizer: $("optimizer").value, learningRate: Number($("lr").value), batchSize: Number($("batch-size").value),
    epochs: Number($("epochs").value), digits: Number($("subset").value), testRatio: Number($("test-fraction").value),
    seed: seedValue(),
  };
}

/** What the engine's configure takes, from the controls. */
function settings() {
  return toEngine(controlsState());
}

function setEnabled(on) {
  for (const id of ["train-button", "reset-button", "sample-digit", "subset", "test-fraction", "seed"]) $(id).disabled = !on;
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

// ---------------------------------------------------------------- start-up
const STARTING_HINT = document.querySelector("#engine-status .engine-hint").textContent;

function startEngine() {
  const box = $("engine-status");
  box.hidden = false;
  box.classList.remove("failed");
  box.querySelector(".engine-hint").textContent = STARTING_HINT;
  $("engine-retry").hidden = true;
  $("engine-progress").hidden = false;
  engine = createEngine({
    engine: "mnist",
    onStopped: engineStopped,
    onProgress: ({ stage, fraction }) => {
      $("engine-progress").value = fraction;
      $("engine-progress").textContent = pct(fraction, 0);
      $("engine-stage").textContent = `${STAGES[stage] || stage}… ${Math.round(fraction * 100)} %`;
    },
  });
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
      dataMissing = true;
      const banner = $("data-missing");
      banner.querySelector(".banner-text").textContent = err.message;
      banner.hidden = false;
      $("data-summary").textContent = "No digits: this site was built without them.";
    }
    throw err;
  });
}

async function init() {
  setEnabled(false);
  const digitsFile = loadDigits();
  digitsFile.catch(() => {}); // reported by loadDigits
  let bytes;
  try {
    await startEngine();
    bytes = await digitsFile;
  } catch (err) {
    if (!(err instanceof DigitsMissing) && !$("engine-status").classList.contains("failed")) fail(err);
    return;
  }
  $("data-summary").textContent = "Reading the digits…";
  const loaded = await engine.call("load_data", { data: bytes });
  $("data-summary").textContent = `${loaded.digits.toLocaleString("en")} digits loaded.`;
  let sent;
  do { // a hash edited while the first network was built is applied too
    sent = JSON.stringify(settings());
    await configure(true);
  } while (JSON.stringify(settings()) !== sent);
  ready = true;
  setEnabled(true);
  performance.mark("nnpy:mnist-ready");
  status("Ready: press Train.");
}

$("engine-retry").addEventListener("click", () => { engine.terminate(); ready = false; init(); });

/** The engine died after it ran (engine.js noticed): say so; Restart starts Python again with the controls' settings. */
function engineStopped(err) {
  running = false;
  ready = false;
  setEnabled(false);
  setPlaying(false);
  const box = $("engine-status");
  box.hidden = false;
  box.classList.add("failed");
  box.querySelector(".engine-title").textContent = "Python stopped, so training stopped.";
  $("engine-stage").textContent = lastLine(err);
  box.querySelector(".engine-hint").textContent = "Your settings are kept; the network starts again from its " +
    "starting weights, which this page does not hold. Restart Python to go on.";
  $("engine-progress").hidden = true;
  $("engine-retry").textContent = "Restart Python";
  $("engine-retry").hidden = false;
  status("Python stopped: restart it to train.");
}

// ---------------------------------------------------------------- configuring
async function configure(fresh) {
  const out = await engine.call("configure", { state: settings() });
  if (out.data) showSplit(out.data);
  if (fresh || out.changed.includes("network")) {
    target = null;
    showNetwork(out.network);
    charts.clear(out.network.history);
    digits.reset();
    confusion.clearSelection();
    await refreshViews();
  }
  return out;
}

function showSplit(d) {
  $("data-summary").textContent = `${d.train.toLocaleString("en")} training and ${d.test.toLocaleString("en")} test digits ` +
    `(a stratified split of ${d.digits_in_file.toLocaleString("en")}).`;
}

function showNetwork(net) {
  epoch = net.epoch;
  steps = 0;
  history = net.history;
  fromFile = net.from_file;
  $("net-summary").textContent = `${net.sizes.join(" → ")}: ${net.params.toLocaleString("en")} weights and biases` +
    (fromFile ? `, from ${fromFile}.` : ".");
  showEpoch(0);
  showMetrics(null);
}

let reconfiguring = Promise.resolve();
async function rebuild() {
  if (!ready) return;
  await stop();
  reconfiguring = reconfiguring.then(() => configure(false)).then(() => status("New network: press Train."), fail);
  return reconfiguring;
}

for (const id of ["subset", "test-fraction", "seed"]) {
  $(id).addEventListener("change", () => {
    if (id === "seed" && $("seed").value !== String(seedValue())) $("seed").value = String(seedValue());
    writeHash();
    rebuild();
  });
}

// ---------------------------------------------------------------- model files
/** Show `value` in a select, adding an option for a value the page does not list (from a file). */
function choose(select, value, label) {
  const v = String(value);
  if (![...select.options].some((o) => o.value === v)) select.append(new Option(label, v));
  select.value = v;
}

/** The controls for a state.js state. Setting them fires no change event: nothing is rebuilt. */
function showControls(s) {
  choose($("subset"), s.digits, s.digits.toLocaleString("en"));
  choose($("test-fraction"), s.testRatio, `${Number((s.testRatio * 100).toFixed(1))} %`);
  $("seed").value = String(s.seed);
  choose($("optimizer"), s.optimizer, s.optimizer);
  choose($("lr"), s.learningRate, String(s.learningRate));
  choose($("batch-size"), s.batchSize, String(s.batchSize));
  choose($("epochs"), s.epochs, String(s.epochs));
  layers.set(s.networkShape.map((units, i) => ({ units, activation: s.activations[i] })));
}

const LIVE = ["optimizer", "lr", "batch-size", "epochs"];
async function importModel(bytes, name) {
  await stop();
  const run = reconfiguring.then(async () => {
    setEnabled(false); // no setting may reach the engine between the import and the controls showing it
    for (const id of LIVE) $(id).disabled = true;
    try {
      const out = await engine.call("import_model", { data: bytes, name }); // throws: nothing changed
      showControls(fromEngine(out.state, controlsState()));
      writeHash();
      if (out.data) showSplit(out.data);
      target = null;
      showNetwork(out.network);
      charts.clear(out.network.history);
      digits.reset();
      confusion.clearSelection();
      $("diverged").hidden = true;
      status("Imported: draw a digit, or press Train to train it further.");
      await refreshViews().catch(fail); // the model is in: a view that fails to draw does not undo that
      return out.message;
    } finally {
      setEnabled(true);
      for (const id of LIVE) $(id).disabled = false;
    }
  });
  reconfiguring = run.catch(() => {});
  return run;
}
/** Send a live setting (optimizer, learning rate, batch size) to the engine; training goes on. */
function applyLive(what) {
  if (!ready) return;
  engine.call("configure", { state: settings() }).then(() => {
    status(running ? `Changed while training: ${what}.` : "");
  }, fail);
}
for (const id of ["optimizer", "lr", "batch-size"]) {
  $(id).addEventListener("change", () => {
    writeHash();
    applyLive(`${$(id).closest("label").querySelector("span").textContent.toLowerCase()} ${$(id).selectedOptions[0].textContent}`);
  });
}
$("epochs").addEventListener("change", () => writeHash());

// ---------------------------------------------------------------- the URL hash
let written = null; // the hash this page wrote last (replaceState fires no hashchange; this is a second guard)

/** The hash from the controls, with replaceState: the back button does not step through settings. */
function writeHash() {
  written = serialize(controlsState());
  if (location.hash !== written) window.history.replaceState(null, "", written); // `history` here is the training record
  share.refresh();
}

/** Show a link's notes, or hide the last link's when this one is fine. */
function showNotes(list) {
  if (list.length) notes.show(list);
  else notes.hide();
}

/** A hash typed or pasted by the reader: set the controls and apply them as their change events would. */
function applyHash() {
  if (location.hash === written) return;
  if (inPageTarget(location.hash)) { window.history.replaceState(null, "", written); return; } // a skip link, not a setup
  const { state, notes: list } = parseHash(location.hash);
  showNotes(list);
  const before = controlsState();
  showControls(state);
  writeHash();
  const after = controlsState();
  if (needsRebuild(before, after)) rebuild();
  else if (changesLive(before, after)) applyLive("the link's settings");
}
window.addEventListener("hashchange", applyHash);

// ---------------------------------------------------------------- training
function showEpoch(progress) {
  $("epoch").value = String(epoch);
  $("epoch").textContent = target ? `${epoch} / ${target}` : String(epoch);
  $("epoch-progress").value = progress;
  $("epoch-progress").textContent = pct(progress, 0);
}

function showMetrics(ev) {
  const r = history[history.length - 1];
  $("train-acc").textContent = r ? pct(r.train_accuracy) : "–";
  $("train-loss").textContent = r ? formatLoss(r.train_loss, 4) : "–";
  $("test-acc").textContent = ev ? pct(ev.test_accuracy, 2) : "–";
  $("test-loss").textContent = ev ? formatLoss(ev.test_loss, 4) : "–";
  $("test-acc").dataset.value = ev ? String(ev.test_accuracy) : "";
}

async function refreshViews() {
  const ev = await engine.call("evaluate");
  showMetrics(ev);
  confusion.render(ev);
  const w = await engine.call("weights", { limit: WEIGHT_LIMIT });
  weights.render(w);
  await digits.refresh();
  if (pad.hasInk()) pad.reclassify();
  inside.refresh();
  return ev;
}

function setPlaying(on) {
  const b = $("train-button");
  b.classList.toggle("playing", on);
  b.setAttribute("aria-label", on ? "Stop training" : "Train");
  b.setAttribute("aria-pressed", String(on));
}

async function trainLoop() {
  if (target === null || epoch >= target) target = epoch + Number($("epochs").value);
  setPlaying(true);
  $("diverged").hidden = true;
  showEpoch($("epoch-progress").value);
  let samples = 0;
  let ms = 0;
  let failed = false;
  try {
    while (running) {
      const chunk = await engine.call("train", { budget_ms: CHUNK_MS, until_epoch: target }, { timeoutMs: CALL_TIMEOUT_MS });
      epoch = chunk.epoch;
      steps = chunk.step_count;
      samples += chunk.steps * Number($("batch-size").value);
      ms += chunk.train_ms;
      showEpoch(chunk.epoch_progress);
      if (chunk.loss !== null) charts.chunk(chunk.epoch + chunk.epoch_progress, chunk.loss);
      for (const r of chunk.epochs) { history.push(r); charts.epoch(r); }
      if (chunk.epochs.length) { // shown with the new epoch number; evaluate() below refines it
        const r = chunk.epochs[chunk.epochs.length - 1];
        showMetrics({ test_accuracy: r.test_accuracy, test_loss: r.test_loss });
      }
      status(`Training: ${Math.round((samples / ms) * 1000).toLocaleString("en")} digits a second.`);
      if (chunk.epochs.length) await refreshViews();
      if (chunk.report) {
        if (chunk.history) { // training went back to earlier weights: the later epochs never happened
          history = chunk.history;
          charts.clear(history);
          target = null;
        }
        showReport(chunk.report);
        break;
      }
      if (chunk.done) break;
    }
  } catch (err) {
    if (err.type !== "EngineStopped") { // a dead engine is said by engineStopped
      failed = true; // said in the status line, which the summary below must not overwrite
      fail(err);
    }
  }
  running = false;
  setPlaying(false);
  if (!ready) return; // the engine stopped (engineStopped said so)
  const ev = await refreshViews().catch(fail);
  if (ev && !failed) {
    const where = ev.epoch_progress > 0 ? `${(ev.epoch + ev.epoch_progress).toFixed(2)} epochs` : `epoch ${ev.epoch}`;
    status(`Stopped after ${where}: ${pct(ev.test_accuracy, 2)} of the test digits right. The network is kept: draw a digit, or train on.`);
  }
}

function train() {
  if (!ready || running) return;
  inside.close(); // the step it showed is out of date once training moves on
  running = true;
  loop = trainLoop();
}

/** Stop after the chunk under way; resolves when the loop has ended (the model is kept). */
async function stop() {
  running = false;
  if (loop) await loop;
  loop = null;
}

$("train-button").addEventListener("click", () => (running ? stop() : train()));
async function reset() {
  if (!ready) return;
  await stop();
  const out = await engine.call("reset");
  target = null;
  showNetwork(out.network);
  charts.clear();
  await refreshViews();
  $("diverged").hidden = true;
  status(fromFile ? `The network starts again from ${fromFile}'s weights.` : "The network starts again (same seed).");
}
$("reset-button").addEventListener("click", () => reset().catch(fail));
$("diverged-reset").addEventListener("click", () => reset().catch(fail));

// ---------------------------------------------------------------- when training blows up
// The engine's report (nnpy/browser/health.py) holds the words and the ways back that work here.
let shownReport = null;
function showReport(report) {
  shownReport = report;
  const banner = $("diverged");
  banner.querySelector(".banner-text").textContent = report.message;
  for (const button of banner.querySelectorAll("button[data-action]")) {
    button.hidden = !report.actions.includes(button.dataset.action);
  }
  $("diverged-lower").textContent = `Go on at learning rate ${formatNumber(report.lower)}`;
  banner.hidden = false;
}
$("diverged-lower").addEventListener("click", () => {
  const lr = String(shownReport.lower);
  choose($("lr"), lr, lr);
  writeHash();
  applyLive(`learning rate ${lr}`);
  $("diverged").hidden = true;
  train();
});
$("sample-digit").addEventListener("click", () => {
  const page = digits.lastPage();
  if (!page || !page.true.data.length) return;
  const i = Math.floor(Math.random() * page.true.data.length);
  pad.putDigit(page.images.data.subarray(i * 784, (i + 1) * 784));
  inside.setDigit({ index: page.index.data[i], label: page.true.data[i] });
});

document.addEventListener("keydown", (e) => {
  const t = e.target;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (t.closest && t.closest("input, select, textarea, button, canvas, a")) return;
  if (e.key === " ") { e.preventDefault(); running ? stop() : train(); }
  else if (e.key === "r" || e.key === "R") reset().catch(fail);
});

// for the browser tests: a read-only handle on the engine
window.nnpy = { get engine() { return engine; }, get inside() { return inside; } };

// the link's setup, before anything starts: the controls show it and the hash is written back normalised
{
  const { state, notes: list } = parseHash(inPageTarget(location.hash) ? "" : location.hash);
  showNotes(list);
  showControls(state);
  writeHash();
}
init();
