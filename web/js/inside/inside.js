/**
 * Look inside: one training step on one point, stage by stage, with nnpy's own numbers.
 *
 * The mode pauses training. The student picks a point (a click on the plot, or x1 and x2 typed
 * in) and a label (the nearest training point's, or one chosen); the engine runs ONE real step
 * on that point (Playground.inside: nnpy's forward, loss, backward and optimizer on a copy) and
 * sends every number. Back and Next (buttons, ← and →, a swipe) walk through it: forward layer by
 * layer, the loss, backward layer by layer, the update. "Take this step" applies it for real
 * (Playground.inside_update: Trainer.train_step on that point), so the network and the plot move
 * exactly as the step said.
 *
 * The URL records the mode, the point and a chosen label (inside, insideX1, insideX2, insideLabel),
 * so a teacher can link to it.
 *
 *   const inside = createInside(document, { loop, heatmap, store, isFatal, onFatal });
 *   inside.pick(x1, x2)   // from a click on the plot while the mode is open
 */

import { createDiagram } from "./diagram.js";
import { linkCard, neuronCard } from "./cards.js";
import { fmt } from "./format.js";
import { createMatrices } from "./matrices.js";
import { createHealth } from "./health.js";
import { cardHead, createStepper, stages } from "./stepper.js";
import { formValue } from "../core/settings.js";

const $ = (root, id) => root.getElementById(id);

function describe(stage, L, result) {
  const layerName = (k) => (k === L ? "the output layer" : `layer ${k}`);
  switch (stage.kind) {
    case "forward":
      return [`Forward: ${layerName(stage.layer)}`,
        `Each neuron adds up its inputs times its weights, plus its bias (z = Σ w·a + b), and applies its activation (a = act(z)). Links show the weights w.`];
    case "loss":
      return [`Loss: ${fmt(result.loss)}`,
        `The output against the target (${result.loss_name.replace(/_/g, " ")})` +
        (result.penalty ? `, plus the weight penalty ${fmt(result.penalty)}` : "") + "."];
    case "backward":
      return [`Backward: ${layerName(stage.layer)}`,
        `δ = ∂L/∂z on every neuron, from the layer to its right: δ = (Σ w_next·δ_next)·act′(z). Links show ∂L/∂w = a_i·δ_j.`];
    default:
      return ["Update",
        `The optimizer (${result.optimizer.name}, learning rate ${result.optimizer.lr}) moves every weight against its gradient: ${result.optimizer.formula}. Links show the new weights.`];
  }
}

export function createInside(root, { loop, heatmap, store, isFatal = () => false, onFatal = () => {} }) {
  const panel = $(root, "inside-panel");
  const button = $(root, "inside-button");
  const x1Input = $(root, "inside-x1"), x2Input = $(root, "inside-x2");
  const labelSelect = $(root, "inside-label");
  const valueInput = $(root, "inside-value");
  const applyButton = $(root, "inside-apply");
  const message = $(root, "inside-message");
  const card = $(root, "inside-card");
  const diagram = createDiagram($(root, "inside-diagram"), {
    onNeuron: (layer, unit) => showCard(neuronCard(result, layer, unit, result.features), `${layer},${unit}`),
    onLink: (layer, from, to) => showCard(linkCard(result, layer, from, to, result.features)),
  });

  const matricesBox = $(root, "inside-matrices-box");
  const matrices = createMatrices($(root, "inside-matrices"));
  let batch = null;      // Playground.inside_batch(): the matrix view's numbers
  let source = null;     // Playground.inside_source(): nnpy's code beside them

  const healthBox = $(root, "inside-health-box");
  const health = createHealth($(root, "inside-health"));

  async function renderHealth() {
    if (!healthBox.open || !open) return;
    try {
      health.render(await loop.query("health"));
    } catch (err) {
      if (isFatal(err)) onFatal(err);
      else message.textContent = err.lastLine || String(err.message || err);
    }
  }

  let open = false;
  let point = null;      // [x1, x2]
  let result = null;     // the engine's answer for point
  const stepper = createStepper(root, {
    swipeArea: $(root, "inside-diagram"),
    count: () => (result ? stages(result.layers.length).length : 0),
    onMove: () => { render(); writeHash(); },
    closeCard: () => (card.hidden ? false : (closeCard(), true)),
    close: () => setOpen(false),
  });
  let asked = 0;         // the latest request: older answers are dropped
  let lastCard = null;   // re-render the open card after a new result

  // ---------------------------------------------------------------- labels
  let chosen = null;     // the chosen label (a class or a value), null for the nearest point's

  const labelValue = () => chosen;

  function renderLabels() {
    const pts = loop.points;
    const problem = pts ? pts.problem : "classification";
    const classes = pts ? pts.classes : 2;
    const options = [["nearest", "the nearest training point's"]];
    if (problem === "regression") options.push(["value", "this value:"]);
    else for (let k = 0; k < classes; k++) options.push([String(k), `class ${k}`]);
    labelSelect.innerHTML = options.map(([v, t]) => `<option value="${v}">${t}</option>`).join("");
    if (chosen === null) labelSelect.value = "nearest";
    else if (problem === "regression") { labelSelect.value = "value"; valueInput.value = String(chosen); }
    else labelSelect.value = Number.isInteger(chosen) && chosen < classes ? String(chosen) : "nearest";
    valueInput.hidden = labelSelect.value !== "value";
  }

  /** The label chosen in the form, or undefined (said in the message) for a refused target value. */
  function readLabel() {
    valueInput.removeAttribute("aria-invalid");
    if (labelSelect.value === "nearest") return null;
    if (labelSelect.value === "value") {
      if (valueInput.value.trim() === "") return null; // none typed yet: the nearest point's
      const v = formValue("playground", "insideLabel", valueInput.value, { label: "The target value" });
      if (v.ok) return v.value;
      valueInput.setAttribute("aria-invalid", "true");
      message.textContent = v.message;
      return undefined;
    }
    return Number(labelSelect.value);
  }

  // ---------------------------------------------------------------- the engine
  async function ask() {
    if (!point) return;
    const id = ++asked;
    message.textContent = "";
    try {
      const answer = await loop.query("inside", { point, label: labelValue() });
      if (id !== asked || !open) return;
      result = answer;
      batch = null;
      renderHealth();
      stepper.position = stepper.position; // within the new step's stages
      render();
      if (lastCard) reopenCard();
    } catch (err) {
      if (isFatal(err)) { onFatal(err); return; }
      if (id === asked) message.textContent = err.lastLine || String(err.message || err);
    }
  }

  async function apply() {
    if (!result) return;
    const before = result.loss;
    applyButton.disabled = true;
    try {
      const out = await loop.edit("inside_update", { point, label: labelValue() });
      const diverged = out.snapshot && out.snapshot.diverged;
      stepper.position = 0;
      await ask();
      message.textContent = diverged ? `The step was refused: ${diverged}`
        : `Step taken: the weights are now the new ones. The loss at this point went from ${fmt(before)} to ${fmt(result.loss)}.`;
    } catch (err) {
      if (isFatal(err)) onFatal(err);
      else message.textContent = err.lastLine || String(err.message || err);
    } finally {
      applyButton.disabled = false;
    }
  }

  // ---------------------------------------------------------------- drawing
  function render() {
    if (!result) return;
    const L = result.layers.length;
    const stage = stages(L)[stepper.position];
    const lab = result.label_from === "nearest"
      ? `label ${fmt(result.label)} (from the nearest training point, (${fmt(result.nearest.x[0])}, ${fmt(result.nearest.x[1])}))`
      : `label ${fmt(result.label)} (chosen)`;
    $(root, "inside-point").textContent = `Point (${fmt(result.point[0])}, ${fmt(result.point[1])}), ${lab}; epoch ${result.epoch}.`;
    diagram.render(result, stage, result.features);
    renderMatrices();
    stepper.show(stage, describe(stage, L, result));
  }

  async function renderMatrices() {
    if (!matricesBox.open || !result) return;
    if (!batch || !source) {
      const id = asked;
      try {
        const [b, s] = await Promise.all([loop.query("inside_batch"), source || loop.query("inside_source")]);
        if (id !== asked) return;
        batch = b;
        source = s;
      } catch (err) {
        if (isFatal(err)) onFatal(err);
        else message.textContent = err.lastLine || String(err.message || err);
        return;
      }
    }
    if (result) matrices.render(batch, source, stages(result.layers.length)[stepper.position]);
  }

  function showCard(html, neuron = null) {
    card.innerHTML = cardHead + html;
    card.hidden = false;
    lastCard = { html, neuron };
    card.querySelector('[data-inside="close-card"]').addEventListener("click", closeCard);
    card.querySelectorAll("[data-open-link]").forEach((b) => b.addEventListener("click", () => {
      const [l, i, j] = b.dataset.openLink.split(",").map(Number);
      showCard(linkCard(result, l, i, j, result.features));
      card.querySelector('[data-inside="close-card"]').focus();
    }));
  }

  function reopenCard() {
    card.hidden = true;
    lastCard = null;
  }

  function closeCard() {
    card.hidden = true;
    const where = lastCard && lastCard.neuron;
    lastCard = null;
    const back = where && panel.querySelector(`[data-neuron="${where}"]`);
    if (back) back.focus();
  }

  // ---------------------------------------------------------------- the mode
  function writeHash() {
    const label = labelValue();
    store.update({ inside: open, insideX1: open && point ? round(point[0]) : null,
      insideX2: open && point ? round(point[1]) : null, insideLabel: open && point ? label : null });
  }

  const round = (v) => Math.round(v * 1000) / 1000;

  async function setOpen(value) {
    if (value === open) return;
    open = value;
    panel.hidden = !open;
    button.setAttribute("aria-pressed", String(open));
    if (open) {
      await loop.settle(); // training pauses
      renderLabels();
      if (!point) message.textContent = "Click a point on the plot, or type x1 and x2, to look inside a training step on it.";
      else ask();
    } else {
      asked++;
      result = null;
      card.hidden = true;
      heatmap.setMarker(null);
    }
    writeHash();
  }

  function pick(x1, x2, { label = undefined, keepPosition = false } = {}) {
    point = [round(x1), round(x2)];
    x1Input.value = String(point[0]);
    x2Input.value = String(point[1]);
    x1Input.removeAttribute("aria-invalid");
    x2Input.removeAttribute("aria-invalid");
    if (label !== undefined) { chosen = label; renderLabels(); }
    if (!keepPosition) stepper.position = 0;
    const answer = ask();
    // The ring on the plot and the URL once the engine has the question (ask() posts it a few
    // microtasks from now): the worker computes while the page draws them, not after.
    setTimeout(() => { if (open && point) { heatmap.setMarker(point); writeHash(); } });
    return answer;
  }

  button.addEventListener("click", () => {
    const opening = !open;
    setOpen(opening);
    if (opening) stepper.enter(); // the focus goes into the panel: ← → and Escape work at once
  });
  $(root, "inside-form").addEventListener("submit", (e) => {
    e.preventDefault();
    // checked by the schema's rows before anything reaches the URL (a teacher's link would carry it)
    const typed = [["insideX1", x1Input, "x1"], ["insideX2", x2Input, "x2"]].map(([name, input, label]) => {
      const v = formValue("playground", name, input.value, { label });
      if (v.ok) input.removeAttribute("aria-invalid"); else input.setAttribute("aria-invalid", "true");
      return v;
    });
    const refused = typed.filter((v) => !v.ok);
    if (refused.length) {
      message.textContent = `${refused.map((v) => v.message).join(" ")} (The plot shows −6 to 6.)`;
      return;
    }
    pick(typed[0].value, typed[1].value);
  });
  labelSelect.addEventListener("change", () => {
    valueInput.hidden = labelSelect.value !== "value";
    const label = readLabel();
    if (label === undefined) return; // refused: the step and the URL keep the label in use
    chosen = label;
    if (point) pick(...point, { keepPosition: true });
  });
  valueInput.addEventListener("change", () => {
    const label = readLabel();
    if (label === undefined) return;
    chosen = label;
    if (point) pick(...point, { keepPosition: true });
  });
  applyButton.addEventListener("click", apply);
  matricesBox.addEventListener("toggle", renderMatrices);
  healthBox.addEventListener("toggle", renderHealth);

  return {
    get open() { return open; },
    get result() { return result; },
    get position() { return stepper.position; },
    setOpen,
    pick,
    /** After new data or a new network: the labels' choices, and the step again from the new weights. */
    refresh(changed = {}) {
      if (!open) return;
      if (changed.points) renderLabels();
      source = null; // the optimizer or the activations may have changed
      if (point && (changed.points || changed.network)) ask();
    },
    /** Apply the URL's mode and point (on load and when the hash is edited). */
    fromState(state) {
      if (state.inside && state.insideX1 !== null && state.insideX2 !== null) {
        const same = point && point[0] === state.insideX1 && point[1] === state.insideX2 && labelValue() === state.insideLabel;
        if (!open) { open = true; panel.hidden = false; button.setAttribute("aria-pressed", "true"); loop.settle(); renderLabels(); }
        if (!same) pick(state.insideX1, state.insideX2, { label: state.insideLabel ?? null });
      } else if (state.inside && !open) {
        setOpen(true);
      } else if (!state.inside && open) {
        setOpen(false);
      }
    },
  };
}
