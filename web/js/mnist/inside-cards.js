/**
 * The MNIST page's cards of a look inside a training step: a neuron's card (its z, a, δ and
 * bias update, and for a first-layer neuron its weights, ∂L/∂W and the step's change as 28×28
 * images with its strongest pixels) and a pixel's card (one first-layer weight: ∂L/∂w = x·δ and
 * its update). Every number is one the engine reported (nnpy.browser.mnist_inside); the formulas
 * and the update lines are the 2-D page's (js/inside/cards.js).
 *
 *   neuronCard(result, layer, unit) -> HTML (layer 1..L; L is the output layer)
 *   pixelCard(result, unit, pixel) -> HTML (a first-layer weight; unit < result.first.neurons)
 */

import { esc, num, paren, updateFormula } from "../inside/cards.js";
import { actName, fmt } from "../inside/format.js";

const v = (array, i) => (array ? array.data[i] : null);
const pixelName = (p) => `pixel (row ${Math.floor(p / 28) + 1}, column ${(p % 28) + 1})`;

export function neuronName(result, layer, unit) {
  return layer === result.layers.length ? `Output ${unit} (the digit ${unit})` : `Neuron ${unit + 1} of layer ${layer}`;
}

/** The pixels of `unit`'s ∂L/∂w image with the largest |value| (ink only), at most `count`. */
function strongest(result, unit, count) {
  const dW = result.first.dW.data;
  const order = [];
  for (let p = 0; p < 784; p++) if (dW[unit * 784 + p] !== 0) order.push(p);
  order.sort((a, b) => Math.abs(dW[unit * 784 + b]) - Math.abs(dW[unit * 784 + a]));
  return order.slice(0, count);
}

function outputBackward(result, unit) {
  const out = result.layers[result.layers.length - 1];
  return `<p>δ = ∂L/∂z = p − y = ${num(v(out.a, unit), "a")} − ${num(v(result.target, unit), "y")} = ${num(v(out.delta, unit), "delta")}
    <span class="muted">(softmax with cross-entropy: the loss's gradient on z is the probability minus the target)</span></p>`;
}

function hiddenBackward(result, layer, unit) {
  const L = result.layers[layer - 1], next = result.layers[layer];
  let sum = "Σ w_next·δ_next";
  if (next.W) {
    const m = next.units, parts = [];
    for (let k = 0; k < Math.min(m, 10); k++) {
      parts.push(`${paren(next.W.data[unit * m + k], "w_next")}·${paren(v(next.delta, k), "delta_next")}`);
    }
    sum += ` = ${parts.join(" + ")}${m > 10 ? ` + … <span class="muted">(${m} terms)</span>` : ""}`;
  }
  return `<p>∂L/∂a = ${sum} = ${num(v(L.grad_a, unit), "grad_a")}</p>
    <p>δ = ∂L/∂a · act′(z) = ${num(v(L.grad_a, unit), "grad_a")} × ${paren(v(L.act_deriv, unit), "act_deriv")} = ${num(v(L.delta, unit), "delta")}
    <span class="muted">(${actName(L.activation)}′ at z = ${fmt(v(L.z, unit))})</span></p>`;
}

export function neuronCard(result, layer, unit) {
  const count = result.layers.length;
  const L = result.layers[layer - 1];
  const inputs = layer === 1 ? "784 pixels x" : `${result.layers[layer - 2].units} activations a of layer ${layer - 1}`;
  const output = layer === count;
  const forward = output
    ? `<p>p = softmax(z) = e^z / Σ e^z over the ten outputs = ${num(v(L.a, unit), "a")}</p>`
    : `<p>a = ${actName(L.activation)}(z) = ${actName(L.activation)}(${fmt(v(L.z, unit))}) = ${num(v(L.a, unit), "a")}</p>`;
  let images = "";
  if (layer === 1 && unit < result.first.neurons) {
    const pixels = strongest(result, unit, 5);
    images = `<h4>Its 784 weights, as the digit's pixels</h4>
      <div class="mn-card-images" data-unit="${unit}">
        <figure><canvas width="28" height="28" data-image="W" aria-label="its weights W"></canvas><figcaption>W</figcaption></figure>
        <figure><canvas width="28" height="28" data-image="dW" aria-label="∂L/∂W = x·δ"></canvas><figcaption>∂L/∂W = x·δ</figcaption></figure>
        <figure><canvas width="28" height="28" data-image="change" aria-label="the step's change, new W − W"></canvas><figcaption>new W − W</figcaption></figure>
      </div>
      <p class="muted">∂L/∂W is the digit itself times δ = ${fmt(v(L.delta, unit))}: only inked pixels get a gradient${v(L.delta, unit) > 0
        ? "; δ > 0, so the gradient pushes these weights down (the neuron would answer this digit less)"
        : v(L.delta, unit) < 0 ? "; δ < 0, so the gradient pushes these weights up (the neuron would answer this digit more)" : ""}.
      ${pixels.length ? "The pixels with the largest |∂L/∂w|:" : "With δ = 0 no weight of this neuron gets a gradient from this digit."}</p>
      <div class="inside-link-list">${pixels.map((p) =>
        `<button type="button" class="link-button" data-open-pixel="${unit},${p}">${esc(pixelName(p))}</button>`).join(" ")}</div>`;
  }
  return `<h3>${esc(neuronName(result, layer, unit))} <span class="muted">(${actName(L.activation)})</span></h3>
    <h4>Forward</h4>
    <p>z = Σ w·a + b over its ${esc(inputs)}, with b = ${num(v(L.b, unit), "b")}: z = ${num(v(L.z, unit), "z")}</p>
    ${forward}
    <h4>Backward</h4>
    ${output ? outputBackward(result, unit) : hiddenBackward(result, layer, unit)}
    <h4>Update of its bias</h4>
    <p>∂L/∂b = δ = ${num(v(L.grad_b, unit), "grad_b")}; b ← ${num(v(L.b, unit), "b")} → ${num(v(L.new_b, unit), "new_b")}</p>
    ${images}`;
}

export function pixelCard(result, unit, pixel) {
  const f = result.first, i = unit * 784 + pixel;
  const L = result.layers[0];
  const w = v(f.W, i), x = result.input.data[pixel], d = v(L.delta, unit);
  const dw = v(f.dW, i), g = v(f.grad_W, i), nw = v(f.new_W, i);
  const before = f.state_before, after = f.state_after;
  const state = result.optimizer.name === "adam"
    ? { m0: v(before.m, i), v0: v(before.v, i), m1: v(after.m, i), v1: v(after.v, i) }
    : result.optimizer.momentum ? { v0: v(before.velocity, i), v1: v(after.velocity, i) } : {};
  const dst = neuronName(result, 1, unit).toLowerCase();
  return `<h3>Weight from ${esc(pixelName(pixel))} → ${esc(dst)}</h3>
    <p>w = ${num(w, "w")}: it carries the pixel's ${paren(x, "x")} × ${paren(w, "w")} into z of ${esc(dst)}.</p>
    <h4>Backward</h4>
    <p>∂L/∂w = x · δ = ${paren(x, "x")} × ${paren(d, "delta")} = ${num(dw, "dw")}</p>
    <p>g = ∂L/∂w = ${num(g, "g")} <span class="muted">(no weight penalty)</span></p>
    <h4>Update</h4>
    ${updateFormula(result.optimizer, w, g, nw, state)}
    <p class="muted">Formula: ${esc(result.optimizer.formula)}</p>
    <button type="button" class="link-button" data-open-neuron="1,${unit}">Back to ${esc(dst)}</button>`;
}
