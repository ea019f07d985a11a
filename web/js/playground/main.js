/**
 * The bootstrap: reads the state from the URL, builds the views, starts the engine and wires
 * them together. Views never talk to the engine; the training loop (loop.js) does.
 *
 * Performance marks: "nnpy:controls-ready" once the controls work (before the engine is up),
 * "nnpy:engine-ready" (set by engine.js) once Python is, "nnpy:first-snapshot" once the first
 * picture of the network is drawn.
 */

import { createEngine } from "../core/engine.js";
import { formatNumber } from "../core/numbers.js";
import {
  ENGINE_REBUILD_KEYS, FEATURES, createStore, engineMatches, fromEngine, outputLayerOf, parseHash, toEngine,
} from "./state.js";
import { inPageTarget } from "../core/hash.js";
import { DATASET_LABELS, createControls } from "./controls.js";
import { createNetwork, featureMap, neuronName } from "./network.js";
import { createHeatmap } from "./heatmap.js";
import { createCharts } from "./charts.js";
import { createStats } from "./stats.js";
import { createCard } from "./card.js";
import { createLoop } from "../core/loop.js";
import * as myFramework from "../myframework.js";
import { createEngineStatus, createNotes, messageOf } from "../core/status.js";
import { createUserData } from "./userdata.js";
import { askBeforeLeaving } from "../core/leave.js";
import { createEmbedPanel } from "./embed.js";
import { createFiles } from "./files.js";
import { createCodePanel } from "./code.js";
import { scaleFor } from "../core/colors.js";
import { createInside } from "../inside/inside.js";

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- state and views
const notes = createNotes($("notes"));
const parsed = parseHash(inPageTarget(location.hash) ? "" : location.hash); // "#play-button" is no setup
notes.show(parsed.notes);
// a link typed in later: its notes, or none (the last link's notes go away), as on the MNIST page
const store = createStore(parsed.state, { onNotes: (n) => (n.length ? notes.show(n) : notes.hide()) });

let pinned = null;      // the neuron shown in the main view after a click or tap
let hovered = null;     // ... while the pointer or keyboard focus is on it
let lastFrame = null;

const controls = createControls(document, {
  update: (patch) => store.update(patch),
  getState: () => store.get(),
  actions: {
    toggle: () => { startEngine(); return loop.playing ? loop.pause() : play(); },
    step: () => {
      startEngine();
      return loop.step().then(() => inside.refresh({ network: true })).catch((e) => engineError(e));
    },
    reset: () => { hideReport(); loop.pause(); loop.reset().catch((e) => engineError(e)); }, // as TF Playground: reset stops
    regenerate,
    editMode: (mode) => {
      userData.setMode(mode);
      heatmap.setEditing(mode && (mode === "add" ? "add a point" : "remove a point"));
    },
    csvFile: (file) => userData.csvFile(file),
    csvDownload: () => userData.csvDownload(),
    message: (text) => userData.message(text, true),
  },
});

const network = createNetwork($("network"), {
  onToggleFeature: (key) => {
    const s = store.get();
    const on = FEATURES.filter((f) => s[f.key]).length;
    const message = $("network-message");
    message.textContent = "";
    if (s[key] && on === 1) { message.textContent = "The network needs at least one input feature."; return; }
    const patch = { [key]: !s[key] };
    controls.confirmSize({ ...s, ...patch }).then((ok) => ok && store.update(patch));
  },
  onLayers: (d) => (d > 0 ? controls.addLayer() : controls.removeLayer()),
  onUnits: (layer, d) => controls.changeUnits(layer, d),
  onFocus: (where) => { hovered = where; showFocus(); },
  onSelect: (where, opts = {}) => {
    const same = pinned && where && pinned[0] === where[0] && pinned[1] === where[1];
    pinned = same && opts.weight === undefined ? null : where;
    showFocus();
    if (pinned) card.show(pinned, network.structure(), { ...opts, params: network.layerParams() });
    else card.hide();
    network.setSelected(pinned);
    card.update(network.layerParams());
    if (pinned) showMainView();
  },
});

const card = createCard($("card"), {
  onEdit: (layer, name, index, value) => {
    loop.edit("set_parameter", { layer, name, index, value }).catch((e) => engineError(e));
  },
  onClose: () => { pinned = null; card.hide(); network.setSelected(null); showFocus(); },
});

const heatmap = createHeatmap($("heatmap"), {
  onPoint: (x1, x2) => (inside.open ? inside.pick(x1, x2) : userData.point(x1, x2)),
});
const charts = createCharts($("charts"));
const stats = createStats({ metrics: $("metrics"), confusion: $("confusion") });

function structureOf(state, engineNetwork) {
  const out = outputLayerOf(state);
  let outputs = out.units;
  let outputKind = out.activation;
  if (engineNetwork && engineNetwork.problem === state.problem) { // the user's data decides the classes
    const last = engineNetwork.layers[engineNetwork.layers.length - 1];
    outputs = last.units;
    outputKind = last.activation;
  }
  return {
    features: FEATURES.map((f) => Boolean(state[f.key])),
    hidden: state.networkShape.map((units, i) => ({ units, activation: state.activations[i] })),
    outputs, outputKind,
  };
}

function renderState(state) {
  const points = loop && loop.points;
  controls.render(state, { classes: points ? points.classes : undefined, custom: Boolean(points && points.source === "custom") });
  network.setStructure(structureOf(state, loop && loop.network));
}

// ---------------------------------------------------------------- engine and loop
// In embed mode the engine waits until the playground is on screen or the reader presses Train
// or Step, so a post with three embeds does not start three Pythons on load. Calls made while it
// waits queue up, in order, and run once it has started.
let engine = null;
let startEngine = () => {};
const engineStarted = new Promise((resolve) => {
  startEngine = () => {
    if (engine) return;
    engine = createEngine({ onProgress: (p) => status.progress(p), onStopped: engineStopped });
    status.starting();
    watchEngine();
    resolve(engine);
  };
});
const deferredEngine = {
  call: (method, args, options) => engineStarted.then((e) => e.call(method, args, options)),
  stream: (method, args, options) => {
    let stream = null;
    let cancelled = false;
    const done = engineStarted.then((e) => {
      if (cancelled) return undefined;
      stream = e.stream(method, args, options);
      return stream.done;
    });
    return { done, cancel: () => { cancelled = true; if (stream) stream.cancel(); } };
  },
};

const status = createEngineStatus($("engine-status"), {
  onRetry: () => {
    status.starting();
    engine.restart().catch(() => {});
    watchEngine();
    const weights = heldWeights && heldWeights.params ? heldWeights : null;
    heldWeights = null;
    // the student's framework first, as at start-up: the new Python knows only nnpy's
    if (mine) myFramework.useMyFramework(deferredEngine, mine, $("my-framework"));
    loop.resend().then(() => weights && loop.edit("load_weights", weights)).catch((e) => engineError(e));
  },
});

// The engine died after it ran (engine.js noticed): the page keeps the last weights it was shown,
// and Restart brings back the settings (resend) and those weights.
let heldWeights = null;
function engineStopped(err) {
  loop.pause();
  hideReport();
  const snap = loop.snapshot;
  heldWeights = snap ? { params: snap.params.data, epoch: snap.epoch } : { params: null };
  status.stopped(err, heldWeights.params
    ? `Your settings and the network's weights after epoch ${heldWeights.epoch.toLocaleString("en")} are kept.`
    : "Your settings are kept.");
}
const loop = createLoop(deferredEngine, {
  rebuildKeys: ENGINE_REBUILD_KEYS,
  onFrame: draw,
  onError: (err) => engineError(err),
  onDiverged: (report) => showReport(report),
  onPlaying: (playing) => {
    controls.setPlaying(playing);
    codePanel.setPlaying(playing);
    if (!playing) $("rate").textContent = ""; // a speed is shown while training only
  },
});

const deferred = Boolean(store.get().embed);
if (deferred) {
  performance.mark("nnpy:engine-deferred");
  status.waiting();
}
renderState(store.get());
performance.mark("nnpy:controls-ready");

function watchEngine() {
  engine.ready.then((info) => {
    status.ready();
    const i = info.info;
    $("versions").textContent = `nnpy ${i.nnpy} · NumPy ${i.numpy} · Python ${i.python} (Pyodide ${info.pyodide})`;
  }, (err) => status.failed(err));
}
if (deferred) {
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) { observer.disconnect(); startEngine(); }
  });
  observer.observe(document.querySelector(".layout"));
} else {
  startEngine();
}
// "Train with my framework" from the workshop: the student's modules, handed over before configure
const mine = myFramework.requested();
if (mine) myFramework.useMyFramework(deferredEngine, mine, $("my-framework"));
configure();

const INSIDE_KEYS = ["inside", "insideX1", "insideX2", "insideLabel"];
store.subscribe((state, changed) => {
  if (INSIDE_KEYS.some((k) => changed.has(k))) inside.fromState(state);
  if ([...changed].every((k) => INSIDE_KEYS.includes(k))) return; // a pick in Look inside: no setting changed
  renderState(state);
  if (changed.has("showTestData") || changed.has("discretize")) redraw();
  configure();
});

/** The store's state to the engine: the loop sends only the settings that changed (a patch). */
function configure() {
  loop.sync(toEngine(store.get())).then((result) => result && inside.refresh({ network: true })).catch((err) => {
    if (isFatal(err)) return engineError(err);
    notes.show([`The engine refused the settings: ${messageOf(err)}`]);
  });
}

function play() {
  hideReport();
  if (inside.open) inside.setOpen(false); // training again: the step shown would be out of date
  loop.play();
}

function isFatal(err) {
  return err && ["WorkerError", "EngineStopped", "EngineNotReady", "MessageError"].includes(err.type) || (err && err.stage);
}

function engineError(err) {
  if (isFatal(err)) {
    loop.pause();
    if (!heldWeights || err.type !== "EngineStopped") status.failed(err); // a death is said by engineStopped
  } else {
    notes.show([messageOf(err)]);
  }
}

// ---------------------------------------------------------------- drawing
function fieldFor(frame) {
  const { snapshot, network: net } = frame;
  const state = store.get();
  const focus = hovered || pinned;
  if (focus && focus[0] === 0) {
    const values = featureMap(focus[1], 100);
    return { type: "diverging", values, ...scaleFor("free", values), legend: ["−max", "+max"] };
  }
  if (focus && net && focus[0] <= net.layers.length) {
    const layer = net.layers[focus[0] - 1];
    const sf = snapshot.focus;
    let values;
    if (sf && sf.layer === focus[0] && sf.unit === focus[1]) {
      values = sf.map.data;
    } else { // the thumbnail, until the engine sends the full map
      const per = 400;
      let offset = net.features.length * per;
      for (let l = 0; l < focus[0] - 1; l++) offset += net.layers[l].units * per;
      values = snapshot.thumbs.data.subarray(offset + focus[1] * per, offset + (focus[1] + 1) * per);
    }
    const scale = scaleFor(layer.kind, values);
    const legend = layer.kind === "probability" ? ["0", "1"] : layer.kind === "signed" ? ["−1", "1"] : ["−max", "+max"];
    return { type: "diverging", values, ...scale, discretize: state.discretize, legend };
  }
  const out = snapshot.output;
  if (out.shape.length === 3) return { type: "classes", probs: out.data, k: out.shape[2], discretize: state.discretize };
  if (net && net.problem === "regression") {
    return { type: "diverging", values: out.data, scale: 1, shift: 0, discretize: state.discretize, legend: ["−1", "1"] };
  }
  return { type: "diverging", values: out.data, scale: 2, shift: -1, discretize: state.discretize,
    legend: ["class 0", "class 1"] };
}

function draw(frame) {
  lastFrame = frame;
  const { snapshot, network: net, points, fresh } = frame;
  const state = store.get();
  if (fresh.network) {
    network.setParamCount(net.params);
    network.setStructure(structureOf(state, net));
    charts.showAccuracy(net.problem === "classification");
    if (pinned && !validFocus(pinned, net)) { pinned = null; card.hide(); }
    if (hovered && !validFocus(hovered, net)) hovered = null;
    if (pinned) card.show(pinned, network.structure(), { params: network.layerParams() });
  }
  if (fresh.points) {
    controls.render(state, { classes: points.classes, custom: points.source === "custom" });
    const n = points.train_y.shape[0] + points.test_y.shape[0];
    $("data-source").textContent = points.source === "custom"
      ? `Data: ${dataName(points.name)}, ${n} points (your own: not part of the link).`
      : `Data: ${dataName(points.name)}, ${n} points, seed ${state.seed}.`;
  }
  const epoch = String(snapshot.epoch).padStart(6, "0");
  $("epoch").textContent = epoch.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const rate = loop.epochsPerSecond();
  $("rate").textContent = frame.playing && rate > 0 ? `${Math.round(rate)} epochs/s` : "";
  stats.render(snapshot);
  charts.push(snapshot);
  charts.draw(!frame.playing);
  // the diagram is the biggest canvas: ten times a second is plenty while training
  const now = performance.now();
  if (!frame.playing || fresh.network || now - (draw.networkAt || 0) >= 100) {
    network.paint(snapshot, net);
    card.update(network.layerParams());
    draw.networkAt = now;
  }
  redraw();
  if (snapshot.report && snapshot !== reportedSnapshot) { // once a snapshot: a way back hides it for good
    reportedSnapshot = snapshot;
    showReport(snapshot.report);
  } else if (!snapshot.report && fresh.network && shownReport && shownReport.kind === "dead") {
    hideReport();
  }
  codePanel.frame(frame);
  if (fresh.network || fresh.points) inside.refresh(fresh);
  if (!draw.marked) { performance.mark("nnpy:first-snapshot"); draw.marked = true; }
}

function validFocus(where, net) {
  if (where[0] === 0) return true;
  const layer = net.layers[where[0] - 1];
  return Boolean(layer) && where[1] < layer.units;
}

function redraw() {
  if (!lastFrame) return;
  const state = store.get();
  const focus = hovered || pinned;
  const net = network.structure();
  heatmap.render({
    field: fieldFor(lastFrame),
    points: lastFrame.points,
    showTestData: state.showTestData,
    caption: focus ? `Showing ${neuronName(focus[0], focus[1], net)}` : "",
  });
}

/** A neuron picked where its large picture is out of sight (a phone: far above): bring the picture into view. */
function showMainView() {
  const view = document.querySelector(".main-view");
  const r = view.getBoundingClientRect();
  if (r.bottom < 80 || r.top > window.innerHeight - 80) {
    view.scrollIntoView({ block: "start", behavior: matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth" });
  }
}

function showFocus() {
  const focus = hovered || pinned;
  const row = $("focus-row");
  row.hidden = !pinned;
  if (pinned) $("focus-text").textContent = `Pinned: ${neuronName(pinned[0], pinned[1], network.structure())}.`;
  if (!focus || focus[0] === 0) loop.setFocus(null);
  else loop.setFocus(focus);
  redraw();
}
$("focus-back").addEventListener("click", () => { pinned = null; card.hide(); network.setSelected(null); showFocus(); });

// ---------------------------------------------------------------- when training goes wrong
// The engine's report (nnpy/browser/health.py) holds the words and the ways back that work:
// "lower" (go on from the kept weights at report.lower), "fresh" (report.lower and the starting
// weights), "leaky" (leaky ReLU for ReLU, report.lower, a new network), "reset".
let shownReport = null;
let reportedSnapshot = null;
function showReport(report) {
  const banner = $("diverged");
  if (shownReport && shownReport.message === report.message && !banner.hidden) return;
  shownReport = report;
  banner.querySelector(".banner-text").textContent = report.message;
  banner.setAttribute("role", report.kind === "dead" ? "status" : "alert");
  const rate = formatNumber(report.lower);
  for (const button of banner.querySelectorAll("button[data-action]")) {
    button.hidden = !report.actions.includes(button.dataset.action);
  }
  $("diverged-lower").textContent = `Go on at learning rate ${rate}`;
  $("diverged-fresh").textContent = `Start again at learning rate ${rate}`;
  $("diverged-leaky").textContent = `Switch to leaky ReLU at rate ${rate}`;
  const back = $("diverged-workshop");   // a student's function failed (Train with my framework)
  back.replaceChildren();
  if (report.workshop) back.append(myFramework.backLink(report.workshop));
  banner.hidden = false;
}
function hideReport() { $("diverged").hidden = true; shownReport = null; }
$("diverged-lower").addEventListener("click", () => {
  store.update({ learningRate: shownReport.lower });
  play();
});
$("diverged-fresh").addEventListener("click", () => {
  store.update({ learningRate: shownReport.lower });
  hideReport();
  loop.reset().then(() => play(), (e) => engineError(e));
});
$("diverged-leaky").addEventListener("click", () => {
  const s = store.get();
  store.update({ learningRate: shownReport.lower,
    activations: s.activations.map((a) => (a === "relu" ? "leaky_relu" : a)) }); // a new network
  play();
});
$("diverged-reset").addEventListener("click", () => { hideReport(); loop.reset().catch((e) => engineError(e)); });

/** A dataset as its chip names it ("Exclusive or", "Gaussian (edited)"); a file's name as it is. */
function dataName(name) {
  const m = /^(\S+)( \(edited\))?$/.exec(name);
  return m && DATASET_LABELS[m[1]] ? DATASET_LABELS[m[1]] + (m[2] || "") : name;
}

function regenerate(same) {
  const seed = Number.isInteger(same) ? same : Math.floor(Math.random() * 1000000);
  loop.assume(toEngine({ ...store.get(), seed })); // regenerate changes the data, not the network
  store.update({ seed });
  loop.regenerate(seed).catch((e) => engineError(e));
}

// ---------------------------------------------------------------- your own data, Embed, files, code
const userData = createUserData($("data-message"), {
  loop, classValue: () => controls.addClassValue(), isFatal, onFatal: engineError,
  delimiter: () => ({ tab: "\t" })[$("csv-delimiter").value] || $("csv-delimiter").value,
  header: () => ({ true: true, false: false })[$("csv-header").value] ?? "auto",
});
// points added by hand are in no link: leaving asks first until they are downloaded as CSV (the
// network is not asked about: the link retrains it, the same seed giving the same run)
askBeforeLeaving(() => userData.unsaved);
const embedPanel = createEmbedPanel(document, { getState: () => store.get() });
const files = createFiles(document, {
  loop, getState: () => store.get(), onImported: showImported, csvFile: (file) => userData.csvFile(file),
  isFatal, onFatal: engineError,
});
store.subscribe(() => { embedPanel.refresh(); files.refresh(); });
const codePanel = createCodePanel(document, {
  loop, getConfig: () => toEngine(store.get()), isFatal, onFatal: engineError,
});

/**
 * An imported model file is in the engine (its network, weights and engine state): show its state
 * in the controls and the URL without a configure that would rebuild the network and lose them.
 */
function showImported(result) {
  const next = fromEngine(result.state, store.get());
  const config = toEngine(next);
  // Normally toEngine(next) is the engine's state exactly and nothing is sent (the engine puts a
  // file's data settings on the controls' grid: whole percents, a seed up to 999999). If the page
  // rounded a live setting (a batch size over 100), the sync sends it: the engine applies it live.
  // Should the data settings still differ, they are kept: nothing that would rebuild is sent.
  loop.assume(engineMatches(config, result.state)
    ? Object.fromEntries(Object.keys(config).map((k) => [k, result.state[k] ?? null])) // None arrives as undefined
    : config);
  store.update(next);
  configure();
  return true;
}

// ---------------------------------------------------------------- look inside one training step
const inside = createInside(document, { loop, heatmap, store, isFatal, onFatal: engineError });
if (store.get().inside) { startEngine(); inside.fromState(store.get()); }

// for the browser tests and the benchmark: read-only handles
window.nnpy = { store, loop, charts, inside, get engine() { return engine; } };
