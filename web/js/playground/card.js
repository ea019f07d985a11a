/**
 * The neuron card: the selected neuron's bias and incoming weights, as numbers you can edit.
 * An edit goes to the engine at once (set_parameter) and the picture follows.
 *
 *   const card = createCard(element, { onEdit: (layer, name, index, value) => ..., onClose });
 *   card.show([layer, unit], structure, { weight, params })   // weight: a source index to focus
 *   card.update(layerParams)                          // after each snapshot (skips the field being typed in)
 */

import { FEATURES } from "./state.js";
import { activationLabel, neuronName } from "./network.js";

const fmt = (v) => (Number.isFinite(v) ? v.toFixed(3) : "NaN");

export function createCard(element, { onEdit, onClose }) {
  let where = null;
  let structure = null;

  function sources() {
    const [layer] = where;
    if (layer === 1) return FEATURES.filter((_, i) => structure.features[i]).map((f) => f.label);
    return Array.from({ length: structure.hidden[layer - 2].units }, (_, i) => `neuron ${i + 1} of layer ${layer - 1}`);
  }

  function show(next, nextStructure, { weight = null, params = null } = {}) {
    where = next;
    structure = nextStructure;
    if (!where || where[0] === 0) { hide(); return; }
    const [layer, unit] = where;
    const isOutput = layer === structure.hidden.length + 1;
    const act = isOutput ? (structure.outputs > 1 ? "softmax" : structure.outputKind) : structure.hidden[layer - 1].activation;
    const title = neuronName(layer, unit, structure);
    element.innerHTML = `
      <div class="card-head">
        <h3>${title[0].toUpperCase() + title.slice(1)} <span class="muted">(${activationLabel(act)})</span></h3>
        <button type="button" class="link-button" data-card="close">Close</button>
      </div>
      <p class="muted">Shown in the main view. Its output is ${activationLabel(act)}(Σ weight × input + bias). Edit a number and press Enter.</p>
      <div class="card-grid">
        <label class="card-row bias-row"><span>bias</span><input type="number" step="0.01" data-name="b" data-index="${unit}" aria-label="Bias of ${title}"></label>
        ${sources().map((s, i) => `<label class="card-row"><span>weight from ${s}</span><input type="number" step="0.01" data-name="W" data-index="${i}" aria-label="Weight from ${s} to ${title}"></label>`).join("")}
      </div>`;
    element.hidden = false;
    element.querySelector('[data-card="close"]').addEventListener("click", () => onClose());
    for (const input of element.querySelectorAll("input")) {
      input.addEventListener("change", () => {
        const value = Number(input.value);
        if (input.value.trim() === "" || !Number.isFinite(value)) {
          input.setAttribute("aria-invalid", "true");
          return;
        }
        input.removeAttribute("aria-invalid");
        const index = input.dataset.name === "b" ? [unit] : [Number(input.dataset.index), unit];
        onEdit(layer - 1, input.dataset.name, index, value);
      });
    }
    update(params);
    if (weight !== null) {
      const input = element.querySelector(`input[data-name="W"][data-index="${weight}"]`);
      if (input) { input.focus(); input.select(); }
    }
  }

  function hide() {
    where = null;
    element.hidden = true;
    element.textContent = "";
  }

  function update(params) {
    if (!where || element.hidden || !params) return;
    const [layer, unit] = where;
    const p = params[layer - 1];
    if (!p || unit >= p.fanOut) return;
    for (const input of element.querySelectorAll("input")) {
      if (input === document.activeElement) continue;
      const v = input.dataset.name === "b" ? p.b[unit] : p.W[Number(input.dataset.index) * p.fanOut + unit];
      const text = fmt(v);
      if (input.value !== text) input.value = text;
    }
  }

  return { show, hide, update, get selected() { return where; } };
}
