/**
 * The hidden layers editor: a list of layers, each with its number of neurons and activation,
 * a remove button, and "add a layer". 784 inputs and 10 softmax outputs are fixed.
 *
 *   const editor = createLayers(list, addButton, { onChange: (layers) => ... });
 *   editor.set([{units: 128, activation: "relu"}]);  editor.get();
 */

import { ACTIVATIONS, DEFAULT_ACTIVATION, DEFAULT_UNITS, MAX_LAYERS, UNITS } from "./state.js";

/** The sizes offered for a layer: the usual ones, and its own if an imported file had another. */
const sizes = (units) => (UNITS.includes(units) ? UNITS : [...UNITS, units].sort((a, b) => a - b));

export function createLayers(list, addButton, { onChange }) {
  let layers = [];
  let disabled = false; // kept for the selects a later set() draws

  function render() {
    list.replaceChildren();
    layers.forEach((layer, i) => {
      const li = document.createElement("li");
      const n = i + 1;
      li.innerHTML = `
        <span class="layer-name">Hidden ${n}</span>
        <label class="mn-inline"><span class="visually-hidden">Neurons in hidden layer ${n}</span>
          <select data-key="units">${sizes(layer.units).map((u) => `<option value="${u}"${u === layer.units ? " selected" : ""}>${u} neurons</option>`).join("")}</select></label>
        <label class="mn-inline"><span class="visually-hidden">Activation of hidden layer ${n}</span>
          <select data-key="activation">${ACTIVATIONS.map(([v, t]) => `<option value="${v}"${v === layer.activation ? " selected" : ""}>${t}</option>`).join("")}</select></label>
        <button type="button" class="icon-button small" aria-label="Remove hidden layer ${n}" title="Remove this layer">×</button>`;
      li.querySelector('[data-key="units"]').addEventListener("change", (e) => {
        layers[i] = { ...layers[i], units: Number(e.target.value) };
        onChange(get());
      });
      li.querySelector('[data-key="activation"]').addEventListener("change", (e) => {
        layers[i] = { ...layers[i], activation: e.target.value };
        onChange(get());
      });
      li.querySelector("button").addEventListener("click", () => {
        layers.splice(i, 1);
        render();
        onChange(get());
        (list.querySelector("button") || addButton).focus();
      });
      list.append(li);
    });
    if (disabled) for (const el of list.querySelectorAll("select, button")) el.disabled = true;
    addButton.disabled = disabled || layers.length >= MAX_LAYERS;
  }

  function get() { return layers.map((l) => ({ ...l })); }

  addButton.addEventListener("click", () => {
    if (layers.length >= MAX_LAYERS) return;
    const units = layers.length ? Math.max(UNITS[0], layers[layers.length - 1].units / 2) : DEFAULT_UNITS;
    layers.push({ units, activation: DEFAULT_ACTIVATION });
    render();
    onChange(get());
  });

  return {
    set(next) { layers = next.map((l) => ({ ...l })); render(); },
    get,
    setDisabled(on) {
      disabled = on;
      for (const el of list.querySelectorAll("select, button")) el.disabled = on;
      addButton.disabled = on || layers.length >= MAX_LAYERS;
    },
  };
}
