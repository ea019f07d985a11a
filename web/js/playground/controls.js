/**
 * The controls: the toolbar (run buttons, learning rate, activation, regularization, problem,
 * optimizer), the data panel (dataset, classes, ratio, noise, batch size, seed, your own data),
 * the layer table under the diagram, and the view options. The markup is in index.html, so
 * the controls show before any script runs; this module fills the menus, keeps every control
 * in step with the state (`render`), and turns input into state patches or actions.
 *
 *   const controls = createControls(document, { update, actions });
 *   controls.render(state);
 *   update(patch)  -> the store;   actions.play(), actions.step(), actions.reset(),
 *   actions.regenerate(), actions.editMode(mode), actions.csvFile(file), actions.csvDownload()
 *
 * Changes that make the network big go through `confirmSize` first (a dialog; see WARN_PARAMS).
 */

import {
  ACTIVATIONS, CLASSIFICATION_DATASETS, LEARNING_RATES, MAX_CLASSES, MAX_LAYERS, MAX_UNITS,
  MULTICLASS_DATASETS, OPTIMIZERS, PROBLEMS, REGRESSION_DATASETS, REGULARIZATIONS, REGULARIZATION_RATES, SEED,
  countParams,
} from "./state.js";
import { CLASS_COLORS, CLASS_NAMES, rgb } from "../core/colors.js";
import { formValue } from "../core/settings.js";
import { activationLabel } from "./network.js";

/** Above this many weights and biases the page asks first: training and drawing slow down. */
export const WARN_PARAMS = 2500;

export const DATASET_LABELS = {
  circle: "Circle", xor: "Exclusive or", gauss: "Gaussian", spiral: "Spiral", moons: "Moons",
  blobs: "Blobs", "reg-plane": "Plane", "reg-gauss": "Multi-Gaussian",
};

function options(select, values, label = (v) => String(v)) {
  select.innerHTML = values.map((v) => `<option value="${v}">${label(v)}</option>`).join("");
}

function ensureOption(select, value, label) {
  if (![...select.options].some((o) => o.value === String(value))) {
    const o = document.createElement("option");
    o.value = String(value);
    o.textContent = label;
    select.append(o);
  }
}

export function createControls(root, { update, actions, getState }) {
  const $ = (id) => root.getElementById(id);
  const el = {
    lr: $("learningRate"), act: $("activation-all"), reg: $("regularization"), regRate: $("regularizationRate"),
    problem: $("problem"), optimizer: $("optimizer"), classes: $("classes"), ratio: $("percTrainData"),
    noise: $("noise"), batch: $("batchSize"), seed: $("seed"), showTest: $("showTestData"),
    discretize: $("discretize"), datasets: $("datasets"), regDatasets: $("reg-datasets"),
    layerTable: $("layer-table"), addClass: $("add-class"), play: $("play-button"),
  };
  options(el.lr, LEARNING_RATES);
  options(el.act, ["mixed", ...ACTIVATIONS], (v) => (v === "mixed" ? "(per layer)" : activationLabel(v)));
  el.act.querySelector('option[value="mixed"]').disabled = true;
  options(el.reg, REGULARIZATIONS, (v) => (v === "none" ? "None" : v));
  options(el.regRate, REGULARIZATION_RATES);
  el.seed.min = String(SEED.min);
  el.seed.max = String(SEED.max);
  options(el.problem, PROBLEMS, (v) => v[0].toUpperCase() + v.slice(1));
  options(el.optimizer, OPTIMIZERS, (v) => ({ sgd: "SGD", momentum: "Momentum", adam: "Adam" })[v] || v);
  options(el.classes, Array.from({ length: MAX_CLASSES - 1 }, (_, i) => i + 2), (v) => `${v} classes`);

  const chip = (name, group) => `<label class="chip"><input type="radio" name="${group}" value="${name}">` +
    `<span>${DATASET_LABELS[name]}</span></label>`;
  el.datasets.innerHTML = CLASSIFICATION_DATASETS.map((d) => chip(d, "dataset")).join("");
  el.regDatasets.innerHTML = REGRESSION_DATASETS.map((d) => chip(d, "regDataset")).join("");

  // ------------------------------------------------------------- size warning
  let quiet = false;
  const dialog = $("size-warning");
  /** Resolve true if `next` is small enough or the user agrees to the size. */
  function confirmSize(next) {
    const before = countParams(getState()), after = countParams(next);
    if (quiet || after <= WARN_PARAMS || after <= before || typeof dialog.showModal !== "function") {
      return Promise.resolve(true);
    }
    $("size-warning-text").textContent =
      `This network has ${after.toLocaleString("en-US")} weights and biases. Above about ` +
      `${WARN_PARAMS.toLocaleString("en-US")} the playground trains and draws noticeably slower ` +
      `(fewer epochs per second, a less fluid picture). Build it anyway?`;
    dialog.returnValue = "";
    dialog.showModal();
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => {
        if ($("size-warning-quiet").checked) quiet = true;
        resolve(dialog.returnValue === "ok");
      }, { once: true });
    });
  }

  async function network(patch) {
    const next = { ...getState(), ...patch };
    if (await confirmSize(next)) update(patch);
  }

  // ------------------------------------------------------------- inputs -> patches
  const num = (input) => Number(input.value);
  el.lr.addEventListener("change", () => update({ learningRate: num(el.lr) }));
  el.act.addEventListener("change", () => {
    if (ACTIVATIONS.includes(el.act.value)) update({ activations: getState().networkShape.map(() => el.act.value) });
  });
  el.reg.addEventListener("change", () => update({ regularization: el.reg.value }));
  el.regRate.addEventListener("change", () => update({ regularizationRate: num(el.regRate) }));
  el.problem.addEventListener("change", () => update({ problem: el.problem.value }));
  el.optimizer.addEventListener("change", () => update({ optimizer: el.optimizer.value }));
  el.classes.addEventListener("change", () => network({ classes: num(el.classes) }));
  for (const [input, key] of [[el.ratio, "percTrainData"], [el.noise, "noise"], [el.batch, "batchSize"]]) {
    input.addEventListener("input", () => { $(`${key}-out`).textContent = label(key, num(input)); });
    input.addEventListener("change", () => update({ [key]: num(input) }));
  }
  el.seed.addEventListener("change", () => {
    const seed = formValue("playground", "seed", el.seed.value, { label: "The seed" });
    if (seed.ok) {
      el.seed.removeAttribute("aria-invalid");
      update({ seed: seed.value });
    } else {
      el.seed.setAttribute("aria-invalid", "true");
      actions.message(seed.message);
    }
  });
  el.showTest.addEventListener("change", () => update({ showTestData: el.showTest.checked }));
  el.discretize.addEventListener("change", () => update({ discretize: el.discretize.checked }));
  root.addEventListener("change", (e) => {
    const t = e.target;
    if (t.name === "dataset" || t.name === "regDataset") {
      const next = { [t.name]: t.value };
      if (getState()[t.name] === t.value) { actions.regenerate(getState().seed); return; } // from your own data back to it
      if (t.name === "dataset") network(next); else update(next);
    }
    if (t.name === "edit-mode") actions.editMode(t.value);
  });
  $("regenerate").addEventListener("click", () => actions.regenerate());
  el.play.addEventListener("click", () => actions.toggle());
  $("step-button").addEventListener("click", () => actions.step());
  $("reset-button").addEventListener("click", () => actions.reset());
  $("csv-file").addEventListener("change", (e) => {
    const file = e.target.files && e.target.files[0];
    if (file) actions.csvFile(file);
    e.target.value = "";
  });
  $("csv-download").addEventListener("click", () => actions.csvDownload());

  // keyboard shortcuts, away from text fields: Space play/pause, S step, R reset
  root.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const tag = (e.target.tagName || "").toLowerCase();
    if (["input", "select", "textarea", "button"].includes(tag) || e.target.isContentEditable) return;
    if (root.querySelector("dialog[open]")) return;
    if (e.key === " ") { e.preventDefault(); actions.toggle(); }
    else if (e.key === "s" || e.key === "S") actions.step();
    else if (e.key === "r" || e.key === "R") actions.reset();
  });

  // ------------------------------------------------------------- the layer table
  el.layerTable.addEventListener("click", (e) => {
    const b = e.target.closest("button");
    if (!b) return;
    const s = getState();
    const i = Number(b.dataset.layer);
    const shape = [...s.networkShape], acts = [...s.activations];
    if (b.dataset.act === "units") {
      shape[i] = Math.min(MAX_UNITS, Math.max(1, shape[i] + Number(b.dataset.d)));
      network({ networkShape: shape });
    } else if (b.dataset.act === "remove") {
      shape.splice(i, 1); acts.splice(i, 1);
      update({ networkShape: shape, activations: acts });
    } else if (b.dataset.act === "add") {
      addLayer();
    }
  });
  el.layerTable.addEventListener("change", (e) => {
    const t = e.target;
    if (t.dataset.act !== "activation") return;
    const acts = [...getState().activations];
    acts[Number(t.dataset.layer)] = t.value;
    update({ activations: acts });
  });

  function addLayer() {
    const s = getState();
    if (s.networkShape.length >= MAX_LAYERS) return;
    const last = s.networkShape.length ? s.networkShape[s.networkShape.length - 1] : 4;
    const act = s.activations.length ? s.activations[s.activations.length - 1] : "tanh";
    network({ networkShape: [...s.networkShape, last], activations: [...s.activations, act] });
  }

  function removeLayer() {
    const s = getState();
    if (!s.networkShape.length) return;
    update({ networkShape: s.networkShape.slice(0, -1), activations: s.activations.slice(0, -1) });
  }

  function changeUnits(i, d) {
    const shape = [...getState().networkShape];
    shape[i] = Math.min(MAX_UNITS, Math.max(1, shape[i] + d));
    network({ networkShape: shape });
  }

  function renderLayerTable(s) {
    const key = JSON.stringify([s.networkShape, s.activations]);
    if (el.layerTable.dataset.key === key) return;
    const focused = root.activeElement && el.layerTable.contains(root.activeElement) ? root.activeElement.dataset.focusKey : null;
    el.layerTable.dataset.key = key;
    const rows = s.networkShape.map((units, i) => `
      <li>
        <span class="layer-name">Layer ${i + 1}</span>
        <span class="units">
          <button type="button" class="icon-button small" data-act="units" data-d="-1" data-layer="${i}" data-focus-key="m${i}" aria-label="Remove a neuron from layer ${i + 1}" ${units <= 1 ? "disabled" : ""}>−</button>
          <span class="units-count" aria-label="${units} neurons in layer ${i + 1}">${units}</span>
          <button type="button" class="icon-button small" data-act="units" data-d="1" data-layer="${i}" data-focus-key="p${i}" aria-label="Add a neuron to layer ${i + 1}" ${units >= MAX_UNITS ? "disabled" : ""}>+</button>
        </span>
        <select data-act="activation" data-layer="${i}" data-focus-key="a${i}" aria-label="Activation of layer ${i + 1}">
          ${ACTIVATIONS.map((a) => `<option value="${a}" ${a === s.activations[i] ? "selected" : ""}>${activationLabel(a)}</option>`).join("")}
        </select>
        <button type="button" class="link-button" data-act="remove" data-layer="${i}" data-focus-key="r${i}" aria-label="Remove layer ${i + 1}">Remove</button>
      </li>`).join("");
    el.layerTable.innerHTML = `<ol>${rows}</ol>` +
      `<button type="button" data-act="add" data-focus-key="add" ${s.networkShape.length >= MAX_LAYERS ? "disabled" : ""}>Add a hidden layer</button>` +
      `<span class="hint">${s.networkShape.length} of ${MAX_LAYERS} layers, up to ${MAX_UNITS} neurons each</span>`;
    if (focused) {
      const again = el.layerTable.querySelector(`[data-focus-key="${focused}"]`);
      if (again && !again.disabled) again.focus();
    }
  }

  // ------------------------------------------------------------- state -> controls
  function label(key, v) {
    if (key === "percTrainData") return `${v} %`;
    if (key === "noise") return `${v}`;
    return String(v);
  }

  function setValue(select, value, text) {
    ensureOption(select, value, text || String(value));
    if (select.value !== String(value)) select.value = String(value);
  }

  function render(s, { classes, custom = false } = {}) {
    setValue(el.lr, s.learningRate);
    const same = s.activations.length && s.activations.every((a) => a === s.activations[0]);
    el.act.value = same ? s.activations[0] : "mixed";
    el.act.disabled = !s.activations.length;
    setValue(el.reg, s.regularization);
    setValue(el.regRate, s.regularizationRate);
    el.regRate.disabled = s.regularization === "none";
    setValue(el.problem, s.problem);
    setValue(el.optimizer, s.optimizer);
    setValue(el.classes, s.classes);
    for (const [input, key] of [[el.ratio, "percTrainData"], [el.noise, "noise"], [el.batch, "batchSize"]]) {
      if (input.value !== String(s[key])) input.value = String(s[key]);
      $(`${key}-out`).textContent = label(key, s[key]);
    }
    if (root.activeElement !== el.seed) el.seed.value = String(s.seed);
    el.showTest.checked = s.showTestData;
    el.discretize.checked = s.discretize;
    const regression = s.problem === "regression";
    // the user's own points (uploaded, or clicked in) are none of the chips: none is highlighted
    for (const input of root.querySelectorAll('input[name="dataset"]')) input.checked = !custom && input.value === s.dataset;
    for (const input of root.querySelectorAll('input[name="regDataset"]')) input.checked = !custom && input.value === s.regDataset;
    root.querySelector('[data-control="dataset"]').classList.toggle("off", regression);
    root.querySelector('[data-control="regDataset"]').classList.toggle("off", !regression);
    root.querySelector('[data-control="classes"]').classList.toggle("off", regression || !MULTICLASS_DATASETS.includes(s.dataset));
    renderLayerTable(s);
    // new points: a class (classification) or a value (regression)
    const k = classes || 2;
    const key = regression ? "reg" : "c" + k;
    if (el.addClass.dataset.key !== key) {
      el.addClass.dataset.key = key;
      el.addClass.innerHTML = regression
        ? [1, 0.5, 0, -0.5, -1].map((v) => `<option value="${v}">value ${v}</option>`).join("")
        : Array.from({ length: k }, (_, c) => `<option value="${c}">class ${c} (${CLASS_NAMES[c]})</option>`).join("");
      el.addClass.style.borderLeft = regression ? "" : `6px solid ${rgb(CLASS_COLORS[0])}`;
    }
    if (!regression) el.addClass.style.borderLeft = `6px solid ${rgb(CLASS_COLORS[Number(el.addClass.value) || 0])}`;
    // classroom links: hidden controls
    for (const node of root.querySelectorAll("[data-control]")) {
      node.classList.toggle("hidden-by-link", s.hide.includes(node.dataset.control));
    }
    root.body.dataset.hide = s.hide.join(" "); // networkShape and activations hide their buttons (CSS), not the network
    root.body.classList.toggle("embed", Boolean(s.embed));
  }
  el.addClass.addEventListener("change", () => render(getState(), { classes: el.addClass.options.length }));

  return {
    render,
    addLayer,
    removeLayer,
    changeUnits,
    confirmSize,
    setPlaying(playing) {
      el.play.classList.toggle("playing", playing);
      el.play.setAttribute("aria-label", playing ? "Pause" : "Train");
      el.play.setAttribute("aria-pressed", String(playing));
    },
    addClassValue: () => Number(el.addClass.value),
  };
}
