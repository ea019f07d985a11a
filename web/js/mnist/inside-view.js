/**
 * The MNIST page's look inside a training step, drawn for one stage: the digit, each hidden
 * layer's neurons (coloured by a on the way forward, by δ on the way back), the ten outputs
 * (z, p, the target y and δ = p − y), and the first layer's first neurons' weights as 28×28
 * images: W on the way forward, ∂L/∂W = x·δ on the way back, new W − W at the update, on one
 * colour scale whose ends are written beside it.
 *
 *   const view = createView(element, { onNeuron: (layer, unit) => ..., onPixel: (unit, pixel) => ... });
 *   view.render(result, stage)   // stage from js/inside/stepper.js's stages(L)
 *
 * Neurons are buttons in a grid with one tab stop: the arrow keys move between them, Enter
 * opens a neuron's card. A click on a pixel of a weight image opens that weight's card.
 */

import { diverging, paintDiverging, rgb } from "../core/colors.js";
import { esc, num } from "../inside/cards.js";
import { actName, fmt, maxAbs } from "../inside/format.js";
import { paintDigit } from "./images.js";

const v = (array, i) => (array ? array.data[i] : null);

/** Which numbers a layer shows at a stage: "a", "delta" or null (not reached yet). */
function shows(stage, layer) {
  if (stage.kind === "forward") return stage.layer >= layer ? "a" : null;
  if (stage.kind === "loss") return "a";
  if (stage.kind === "backward") return stage.layer <= layer ? "delta" : "a";
  return "delta";
}

/** Which first-layer images a stage shows: the weights, their gradient, or the step's change. */
function imageKind(stage) {
  if (stage.kind === "update") return ["change", "new W − W: what this step does to each neuron's weights"];
  if (stage.kind === "backward" && stage.layer === 1) {
    return ["dW", "∂L/∂W = x·δ: the digit's own pixels, times each neuron's δ (the update moves W against it)"];
  }
  return ["W", "W: each neuron's 784 weights, the pattern it adds up over the digit"];
}

function paintScaled(canvas, data, offset, scale) {
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(28, 28);
  paintDiverging(data.subarray(offset, offset + 784), img.data, { scale: 1 / scale });
  ctx.putImageData(img, 0, 0);
}

export function createView(element, { onNeuron, onPixel }) {
  element.addEventListener("click", (e) => {
    const n = e.target.closest("[data-neuron]");
    if (n) { const [l, u] = n.dataset.neuron.split(",").map(Number); onNeuron(l, u); return; }
    const c = e.target.closest("canvas[data-weights]");
    if (c) {
      const r = c.getBoundingClientRect();
      const col = Math.min(27, Math.floor(((e.clientX - r.left) / r.width) * 28));
      const row = Math.min(27, Math.floor(((e.clientY - r.top) / r.height) * 28));
      onPixel(Number(c.dataset.weights), row * 28 + col);
    }
  });
  // one tab stop per neuron grid; the arrow keys move along it (a row of the grid is its width)
  element.addEventListener("keydown", (e) => {
    const b = e.target.closest(".mn-units [data-neuron]");
    if (!b || !["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End"].includes(e.key)) return;
    e.preventDefault();
    e.stopPropagation(); // not the panel's Back / Next
    const all = [...b.parentElement.children];
    const perRow = Math.max(1, Math.round(b.parentElement.clientWidth / b.offsetWidth)) || 1;
    const i = all.indexOf(b);
    const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -perRow, ArrowDown: perRow }[e.key];
    const j = e.key === "Home" ? 0 : e.key === "End" ? all.length - 1 : Math.max(0, Math.min(all.length - 1, i + step));
    b.tabIndex = -1;
    all[j].tabIndex = 0;
    all[j].focus();
  });

  function units(result, layer, stage) {
    const L = result.layers[layer - 1];
    const what = shows(stage, layer);
    const values = what === "delta" ? L.delta : L.a;
    const scale = maxAbs(values);
    const word = what === "delta" ? "δ" : "a";
    const buttons = [];
    for (let j = 0; j < L.units; j++) {
      const x = v(values, j);
      const bg = what ? `background: ${rgb(diverging(x / scale))}` : "";
      buttons.push(`<button type="button" class="mn-unit" data-neuron="${layer},${j}" tabindex="${j === 0 ? 0 : -1}"
        style="${bg}" aria-label="neuron ${j + 1}${what ? `: ${word} = ${fmt(x)}` : ""}" title="neuron ${j + 1}${what ? `: ${word} = ${fmt(x)}` : ""}"></button>`);
    }
    return `<section class="mn-inside-layer${current(stage, layer)}" aria-label="Layer ${layer}">
      <h4>Layer ${layer}: ${L.units} ${esc(actName(L.activation))} neurons ${what ? `· ${what === "delta" ? "δ = ∂L/∂z" : "a = act(z)"}` : ""}</h4>
      ${what ? `<p class="mn-scale">colour: ${word} from ${num(-scale, "scale_min")} (orange) <span class="mn-legend" aria-hidden="true"></span> to ${num(scale, "scale_max")} (blue)</p>`
        : `<p class="mn-scale muted">not reached yet</p>`}
      <div class="mn-units" role="group" aria-label="The ${L.units} neurons of layer ${layer}: arrow keys move, Enter opens a card">${buttons.join("")}</div>
    </section>`;
  }

  function outputs(result, stage) {
    const count = result.layers.length;
    const out = result.layers[count - 1];
    const fwd = shows(stage, count) !== null, back = shows(stage, count) === "delta";
    const withLoss = stage.kind !== "forward";
    const rows = [];
    for (let d = 0; d < 10; d++) {
      const p = v(out.a, d);
      rows.push(`<tr class="${d === result.label ? "mn-target" : ""}">
        <th scope="row"><button type="button" class="link-button" data-neuron="${count},${d}">${d}</button></th>
        <td>${fwd ? num(v(out.z, d), "z") : ""}</td>
        <td class="mn-p">${fwd ? `<span class="mn-bar"><i style="width:${(p * 100).toFixed(1)}%"></i></span>${num(p, "p")}` : ""}</td>
        <td>${withLoss ? num(v(result.target, d), "y") : ""}</td>
        <td>${back ? num(v(out.delta, d), "delta") : ""}</td></tr>`);
    }
    const p = v(out.a, result.label);
    return `<section class="mn-inside-layer${current(stage, count)}" aria-label="The ten outputs">
      <h4>Output layer: 10 softmax outputs</h4>
      <table class="mn-outputs"><caption class="visually-hidden">The ten outputs</caption>
        <thead><tr><th scope="col">digit</th><th scope="col">z</th><th scope="col">p = softmax(z)</th><th scope="col">target y</th><th scope="col">δ = p − y</th></tr></thead>
        <tbody>${rows.join("")}</tbody></table>
      ${withLoss ? `<p class="mn-loss">L = −log p<sub>${result.label}</sub> = −log ${num(p, "p_label")} = <strong>${num(result.loss, "loss")}</strong></p>` : ""}
    </section>`;
  }

  function images(result, stage) {
    const f = result.first;
    const [kind, caption] = imageKind(stage);
    const layer = result.layers[0];
    const figures = [];
    for (let j = 0; j < f.neurons; j++) {
      const label = stage.kind === "forward" && stage.layer < 1 ? "" : `${kind === "W" ? "a" : "δ"} = ${fmt(v(kind === "W" ? layer.a : layer.delta, j))}`;
      figures.push(`<figure><canvas width="28" height="28" data-weights="${j}" aria-hidden="true"></canvas>
        <figcaption><button type="button" class="link-button" data-neuron="1,${j}" aria-label="neuron ${j + 1} of layer 1">${j + 1}</button>${label ? `<br>${esc(label)}` : ""}</figcaption></figure>`);
    }
    const more = layer.units > f.neurons ? ` (the first ${f.neurons} of ${layer.units})` : "";
    return `<section class="mn-inside-images" aria-label="The first layer's weights as images">
      <h4>The first layer's neurons${more}: ${esc(caption)}</h4>
      <p class="mn-scale">colour: from ${num(-maxAbs(f[kind]), "image_min")} (orange) <span class="mn-legend" aria-hidden="true"></span> through 0 (grey) to ${num(maxAbs(f[kind]), "image_max")} (blue), one scale for all.
        Click a pixel for its weight's card.</p>
      <div class="mn-image-grid"><figure class="mn-image-digit"><canvas width="28" height="28" data-digit aria-hidden="true"></canvas><figcaption>the digit x</figcaption></figure>${figures.join("")}</div>
    </section>`;
  }

  function current(stage, layer) {
    return (stage.kind === "forward" || stage.kind === "backward") && stage.layer === layer ? " current" : "";
  }

  return {
    render(result, stage) {
      const count = result.layers.length;
      const hidden = [];
      for (let k = 1; k < count; k++) hidden.push(units(result, k, stage));
      element.innerHTML = `<div class="mn-inside-flow">
        <section class="mn-inside-layer" aria-label="The digit"><h4>Input: 784 pixels</h4>
          <canvas class="mn-inside-input" width="28" height="28" data-digit role="img" aria-label="the digit the network sees"></canvas></section>
        ${hidden.join("")}${outputs(result, stage)}</div>${images(result, stage)}`;
      for (const c of element.querySelectorAll("canvas[data-digit]")) paintDigit(c, result.input.data);
      const [kind] = imageKind(stage);
      const scale = maxAbs(result.first[kind]);
      for (const c of element.querySelectorAll("canvas[data-weights]")) {
        paintScaled(c, result.first[kind].data, Number(c.dataset.weights) * 784, scale);
      }
      element.dataset.images = kind;
    },
    /** Paint a card's three images of first-layer neuron `unit` (W, ∂L/∂W, new W − W). */
    paintCard(card, result) {
      const box = card.querySelector(".mn-card-images");
      if (!box) return;
      const unit = Number(box.dataset.unit);
      for (const c of box.querySelectorAll("canvas[data-image]")) {
        const data = result.first[c.dataset.image];
        const slice = data.data.subarray(unit * 784, (unit + 1) * 784);
        paintScaled(c, data.data, unit * 784, maxAbs({ data: slice }));
      }
    },
  };
}
