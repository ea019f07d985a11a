/**
 * The workshop page: the course's seven files as steps, each with an explanation, an editor and
 * a Check button. Checks run the student's code in Pyodide in the worker (engine "workshop",
 * nnpy.browser.workshop.Workshop), never on this thread. A check that runs past TIME_LIMIT_MS,
 * or that the student stops, ends the worker and starts a new one; the code stays.
 *
 * Only the student's own Check runs code: a link (state.js) chooses a step, pre-fills steps and
 * switches the comparison; an imported progress file is put in the editors, never run.
 */
import { createEngine } from "../core/engine.js";
import { createEditor } from "./editor.js";
import { parse, serialize, STEPS } from "./state.js";
import * as store from "./store.js";
import { renderResults } from "./results.js";
import { request as requestMyFramework } from "../myframework.js";

export const TIME_LIMIT_MS = 15000;
// where "Train with my framework" opens the playground: the spiral, a network the course's SGD trains
export const TRAIN_LINK = "index.html#dataset=spiral&networkShape=8,8&activations=tanh,tanh&learningRate=0.1" +
  "&xTimesY=true&sinX=true&sinY=true";
const MAX_PROGRESS_BYTES = 2_000_000;

const $ = (id) => document.getElementById(id);
const link = parse(location.hash);
const kept = store.load(STEPS);
const state = {
  code: kept.code,            // step -> the student's text (absent: the skeleton)
  passed: kept.passed,        // steps whose last check passed
  current: link.given.has("step") ? link.step : (kept.current || link.step),
  compare: link.compare,
};
let steps = null;             // from Workshop.steps(): id, file, title, explain, skeleton, checks
let running = null;           // {step, stopped: null | "stop" | "time", timer, ticker}
let lastReset = null;         // {step, text}: Undo of "Reset to the skeleton"
let runs = 0;                 // checks finished (passed, failed or stopped)

const engine = createEngine({
  engine: "workshop",
  onProgress: ({ stage, fraction }) => {
    $("engine-state").textContent = fraction >= 1 ? "" : `Starting Python… (${stage})`;
  },
});

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Text with `code` spans, built as DOM nodes (never as HTML). */
function richText(text) {
  const p = el("p");
  text.split("`").forEach((part, i) => p.append(i % 2 ? el("code", "", part) : document.createTextNode(part)));
  return p;
}

function setStatus(parts) {
  const box = $("status");
  box.replaceChildren();
  for (const part of [].concat(parts)) box.append(typeof part === "string" ? document.createTextNode(part) : part);
}

function persist() {
  state.current = state.current || STEPS[0];
  const failed = store.save(state);
  if (failed) {
    setStatus([el("span", "bad", "This browser refused to keep your code "), `(${failed}). `,
      "It is still in the editor: use Export progress to keep it in a file."]);
  }
}

const stepInfo = (id) => steps && steps.find((s) => s.id === id);
const skeleton = (id) => (stepInfo(id) ? stepInfo(id).skeleton : "");
const codeOf = (id) => (id in state.code ? state.code[id] : skeleton(id));

/** Every file up to `upto` (all when omitted), as {file name: text}. */
function files(upto) {
  const out = {};
  const last = upto ? STEPS.indexOf(upto) : STEPS.length - 1;
  for (const id of STEPS.slice(0, last + 1)) out[`${id}.py`] = codeOf(id);
  return out;
}

// ------------------------------------------------------------------ steps and the editor

function renderStepList() {
  const list = $("step-list");
  list.replaceChildren();
  for (const id of STEPS) {
    const info = stepInfo(id);
    const item = el("li");
    const button = el("button");
    button.type = "button";
    button.dataset.step = id;
    const done = state.passed.includes(id);
    button.append(el("span", "tick", done ? "✓" : ""), el("span", "file", `${id}.py`));
    if (done) button.append(el("span", "visually-hidden", " (passed)"));
    if (info) button.title = info.title;
    if (id === state.current) button.setAttribute("aria-current", "step");
    button.addEventListener("click", () => openStep(id));
    item.append(button);
    list.append(item);
  }
}

let editor = null;

function showStep() {
  const id = state.current;
  const info = stepInfo(id);
  $("step-file").textContent = `${id}.py`;
  $("step-title").textContent = info ? info.title : "";
  const explain = $("explain");
  explain.replaceChildren(...(info ? info.explain.map(richText) : [el("p", "muted", "Loading Python…")]));
  if (editor && (info || id in state.code)) editor.show(id, codeOf(id));
  $("results").replaceChildren();
  $("compare-panel").hidden = true;
  $("compare").hidden = !(state.compare && state.passed.includes(id));
  renderStepList();
}

function openStep(id, line) {
  if (!STEPS.includes(id)) return;
  state.current = id;
  history.replaceState(null, "", location.pathname + location.search +
    serialize({ ...link, step: id, prefill: link.prefill, compare: link.compare }));
  persist();
  showStep();
  setStatus("");
  if (line) editor.goToLine(line);
}

function onEdit(step, text) {
  if (!step) return;
  state.code[step] = text;
  persist();
}

// ------------------------------------------------------------------ checking, stopping

function setRunning(on) {
  $("check").disabled = on || !steps;
  $("stop").disabled = !on;
}

function stop(reason) {
  if (!running || running.stopped) return;
  running.stopped = reason;
  running.cancel(new Error("stopped"));
  engine.restart();   // ends the worker and whatever it runs; a new one starts
}

async function check() {
  if (running) return;
  const step = state.current;
  let ended;
  running = { step, stopped: null, ended: new Promise((resolve) => { ended = resolve; }) };
  const stopped = new Promise((_, reject) => { running.cancel = reject; });
  setRunning(true);
  let started = null;   // when Python began running the check (the time limit counts from there)
  const tick = () => {
    if (started === null) { setStatus(`Waiting for Python to start… (your check runs then)`); return; }
    const s = Math.floor((performance.now() - started) / 1000);
    setStatus(`Checking ${step}.py… ${s} s (stopped after ${TIME_LIMIT_MS / 1000} s)`);
  };
  tick();
  running.ticker = setInterval(tick, 500);
  try {
    await Promise.race([engine.ready, stopped]);
    started = performance.now();
    tick();
    running.timer = setTimeout(() => stop("time"), TIME_LIMIT_MS);
    const run = await Promise.race([engine.call("check", { step, files: files(step) }), stopped]);
    state.passed = STEPS.filter((s) => (s === step ? run.passed : state.passed.includes(s)));
    persist();
    if (state.current === step) {
      renderResults($("results"), run, { goToLine: (file, line) => goToFile(file, line), openStep });
      $("compare").hidden = !(state.compare && run.passed);
    }
    renderStepList();
    const n = run.results.filter((r) => r.ok).length;
    if (run.load_error) {
      setStatus([el("span", "bad", `${run.load_error.file} does not load. `), "See below."]);
    } else if (run.passed) {
      const next = STEPS[STEPS.indexOf(step) + 1];
      const parts = [el("span", "ok", `All ${n} checks of ${step}.py pass.`), " "];
      if (next) {
        const go = el("button", "link-button", `Next: ${next}.py`);
        go.type = "button";
        go.addEventListener("click", () => openStep(next));
        parts.push(go);
      } else {
        parts.push("Every step is done: download your framework, or train with it.");
      }
      setStatus(parts);
    } else {
      setStatus([el("span", "bad", `${run.results.length - n} of ${run.results.length} checks fail.`),
        " Each failure is explained below."]);
    }
  } catch (err) {
    if (running.stopped) {
      const why = running.stopped === "time"
        ? `Stopped after ${TIME_LIMIT_MS / 1000} s: your code was still running (a loop that never ends?).`
        : "Stopped.";
      setStatus([el("span", "bad", why), " Python restarts; your code is kept."]);
    } else {
      setStatus([el("span", "bad", "The check could not run: "), err.message]);
    }
  } finally {
    clearInterval(running.ticker);
    clearTimeout(running.timer);
    running = null;
    runs += 1;
    setRunning(false);
    ended();
    // Check was disabled while it ran, which dropped the focus to the page: it goes to the results
    // (a keyboard user reads them next); a focus the student moved elsewhere stays there
    if (document.activeElement === document.body || document.activeElement === $("check")) $("results").focus();
  }
}

function goToFile(file, line) {
  const id = file.replace(/\.py$/, "");
  if (id !== state.current) openStep(id, line);
  else editor.goToLine(line);
}

// ------------------------------------------------------------------ reset, compare

function resetStep() {
  const id = state.current;
  if (!steps) return;
  const before = codeOf(id);
  if (before === skeleton(id)) { setStatus("This step is already its skeleton."); return; }
  lastReset = { step: id, text: before };
  delete state.code[id];
  state.passed = state.passed.filter((s) => s !== id);
  editor.set(id, skeleton(id));
  delete state.code[id];
  persist();
  showStep();
  const undo = el("button", "link-button", "Undo");
  undo.type = "button";
  undo.addEventListener("click", () => {
    if (!lastReset) return;
    openStep(lastReset.step);
    state.code[lastReset.step] = lastReset.text;
    editor.set(lastReset.step, lastReset.text);
    persist();
    lastReset = null;
    setStatus("Your code is back.");
  });
  setStatus([`${id}.py is back to its skeleton. `, undo]);
}

async function compare() {
  const panel = $("compare-panel");
  const box = $("compare-code");
  try {
    const ref = await engine.call("reference", { step: state.current });
    box.replaceChildren();
    $("compare-source").textContent = `From nnpy's own ${ref.file} (${ref.module}), as installed on this page. ` +
      "nnpy does more than the course asks (several spellings of an activation, float32, fused losses): " +
      "the core is the same maths.";
    for (const part of ref.parts) {
      const div = el("div", "compare-part");
      div.append(el("h3", "", part.name), el("pre", "", part.code));
      box.append(div);
    }
    panel.hidden = false;
    $("compare-title").focus?.();
  } catch (err) {
    setStatus([el("span", "bad", "nnpy's version could not be shown: "), err.message]);
  }
}

// ------------------------------------------------------------------ files: progress, the zip

function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = el("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function exportProgress() {
  const version = engine.info && engine.info.info ? engine.info.info.nnpy : null;
  download(new Blob([store.progressText(state, version)], { type: "application/json" }), "nnpy-workshop-progress.json");
  setStatus("Progress exported: nnpy-workshop-progress.json holds your code and ticks. Import it on another computer.");
}

async function importProgress(file) {
  const name = file.name || "the file";
  if (file.size > MAX_PROGRESS_BYTES) {
    setStatus([el("span", "bad", `${name} was not loaded: `), "it is over 2 MB, so not a progress file. Nothing changed."]);
    return;
  }
  const data = await file.text();
  if (running) { // Python is busy with the student's check (an endless loop, maybe): the file waits for it
    setStatus(`${name} is loaded when the check of ${running.step}.py ends (Stop ends it now). Your code stays as it is until then.`);
    await running.ended;
  }
  let found;
  try {
    found = await engine.call("read_progress", { data });
  } catch (err) {
    const why = err.type === "ValueError" ? err.lastLine.replace(/^ValueError: /, "") : err.message;
    setStatus([el("span", "bad", `${name} was not loaded: `), `${why}. Nothing changed.`]);
    return;
  }
  const ids = Object.keys(found.code);
  const before = { code: Object.fromEntries(ids.map((id) => [id, codeOf(id)])), passed: [...state.passed] };
  for (const id of ids) {
    state.code[id] = found.code[id];
    editor.set(id, found.code[id]);
  }
  state.passed = STEPS.filter((s) => (ids.includes(s) ? found.passed.includes(s) : state.passed.includes(s)));
  persist();
  showStep();
  // what the editors held is one click away: an import never loses what the student wrote
  const undo = el("button", "link-button", "Undo");
  undo.type = "button";
  undo.addEventListener("click", () => {
    for (const id of ids) {
      state.code[id] = before.code[id];
      editor.set(id, before.code[id]);
    }
    state.passed = before.passed;
    persist();
    showStep();
    setStatus("Your code is back, as it was before the import.");
  });
  setStatus([`Loaded ${ids.length} file${ids.length === 1 ? "" : "s"} from ${name} into the editors. ` +
    "Nothing was run: press Check to check them. ", undo]);
}

async function downloadFramework() {
  try {
    const out = await engine.call("download", { files: files() });
    download(new Blob([out.data.data], { type: "application/zip" }), out.filename);
    setStatus(`${out.filename}: your files, test_my_framework.py (the same checks, for pytest) and a README.`);
  } catch (err) {
    setStatus([el("span", "bad", "The zip could not be made: "), err.message]);
  }
}

// ------------------------------------------------------------------ start

async function start() {
  editor = await createEditor($("editor"), { label: "Your code", onChange: onEdit });
  showStep();
  try {
    await engine.ready;
    steps = await engine.call("steps");
  } catch (err) {
    $("engine-state").textContent = `Python could not start: ${err.message}`;
    return;
  }
  $("engine-state").textContent = "";
  if (link.prefill.length) {
    const answers = await engine.call("answers", { steps: link.prefill });
    const filled = [];
    for (const id of link.prefill) {
      if (!(id in state.code) || state.code[id] === skeleton(id)) {
        state.code[id] = answers[id];
        filled.push(`${id}.py`);
      }
    }
    if (filled.length) persist();
  }
  setRunning(false);
  showStep();
}

if (link.notes.length) {
  $("notes-list").replaceChildren(...link.notes.map((n) => el("li", "", n)));
  $("notes").hidden = false;
}
$("notes-close").addEventListener("click", () => { $("notes").hidden = true; });
$("export-progress").addEventListener("click", exportProgress);
$("import-progress").addEventListener("click", () => $("progress-file").click());
$("progress-file").addEventListener("change", (e) => {
  const file = e.target.files && e.target.files[0];
  e.target.value = "";
  if (file) importProgress(file);
});
$("download-framework").addEventListener("click", downloadFramework);
$("train-mine").addEventListener("click", () => {
  const missing = ["activations", "losses", "layers", "model", "trainer"].filter((id) => !state.passed.includes(id));
  if (missing.length && !confirm(`${missing.map((id) => `${id}.py`).join(", ")} ${missing.length === 1 ? "has" : "have"} ` +
    "not passed its checks yet. Train with your framework all the same?")) return;
  persist();
  requestMyFramework();   // this tab only: a link alone never runs your code
  location.href = TRAIN_LINK;
});
$("check").addEventListener("click", check);
$("stop").addEventListener("click", () => stop("stop"));
$("reset-step").addEventListener("click", resetStep);
$("compare").addEventListener("click", compare);
$("compare-close").addEventListener("click", () => { $("compare-panel").hidden = true; $("compare").focus(); });
$("compare-panel").addEventListener("keydown", (e) => {   // Escape closes it, as Close does
  if (e.key === "Escape") { $("compare-panel").hidden = true; $("compare").focus(); }
});
document.addEventListener("keydown", (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { e.preventDefault(); check(); }
});
window.addEventListener("hashchange", () => {
  const next = parse(location.hash);
  if (next.step !== state.current) openStep(next.step);
});

// for the tests: the page's state, read-only
window.nnpyWorkshop = { state, get running() { return Boolean(running); }, get runs() { return runs; }, get ready() { return Boolean(steps); },
  get editorKind() { return editor && editor.kind; }, get text() { return editor && editor.text(); },
  get cursorLine() { return editor && editor.cursorLine(); } };
start();
