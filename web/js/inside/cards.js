/**
 * The neuron card and the link card of a look inside a training step: each formula with the
 * engine's numbers plugged in. Nothing is computed here but the display: every number is one
 * the engine reported (nnpy's own forward, backward, loss and optimizer), and each sum written
 * out is the engine's sum, not a new one.
 *
 *   neuronCard(result, layer, unit, features) -> HTML (layer 0 = the inputs)
 *   linkCard(result, layer, from, to, features) -> HTML (layer: the layer the link goes into)
 */

import { actName, at, fmt } from "./format.js";

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
const num = (v, name) => `<span class="num" data-name="${name}" data-value="${v}">${fmt(v)}</span>`;
const paren = (v, name) => (v < 0 ? `(${num(v, name)})` : num(v, name));
export { esc, num, paren }; // for the MNIST page's cards (js/mnist/inside-cards.js)

function neuronName(L, layer, unit, features) {
  if (layer === 0) return `Input ${features[unit]}`;
  return layer === L ? `Output ${unit + 1}` : `Neuron ${unit + 1} of layer ${layer}`;
}

function sourceLabel(layer, i, features) {
  return layer === 1 ? features[i] : `a${i + 1}`;
}

/** Where the loss's gradient comes from, in words, for an output neuron. */
function outputDelta(result, unit) {
  const out = result.layers[result.layers.length - 1];
  const a = at(out.a, 0, unit), y = at(result.targets, 0, unit), d = at(out.delta, 0, unit);
  if (result.logits) {
    return `<p>δ = ∂L/∂z = a − y = ${num(a, "a")} − ${paren(y, "y")} = ${num(d, "delta")}
      <span class="muted">(${actName(out.activation)} with cross-entropy:
      the loss's gradient on z is the output minus the target)</span></p>`;
  }
  const ga = at(out.grad_a, 0, unit), deriv = at(out.act_deriv, 0, unit);
  return `<p>∂L/∂a = ${num(ga, "grad_a")} <span class="muted">(from the loss ${esc(result.loss_name)}, target ${fmt(y)})</span></p>
    <p>δ = ∂L/∂a · act′(z) = ${num(ga, "grad_a")} × ${paren(deriv, "act_deriv")} = ${num(d, "delta")}</p>`;
}

export function neuronCard(result, layer, unit, features) {
  const layers = result.layers;
  const L = layers.length;
  const title = neuronName(L, layer, unit, features);
  if (layer === 0) {
    const x = at(layers[0].x, 0, unit);
    return `<h3>${esc(title)}</h3><p>This input is ${num(x, "x")} for the chosen point.
      The first layer's neurons multiply it by their weights.</p>`;
  }
  const Lr = layers[layer - 1];
  const n = Lr.W.shape[0];
  const z = at(Lr.z, 0, unit), a = at(Lr.a, 0, unit), b = at(Lr.b, unit), d = at(Lr.delta, 0, unit);
  const terms = [];
  for (let i = 0; i < n; i++) {
    terms.push(`${paren(at(Lr.W, i, unit), "w")}·${paren(at(Lr.x, 0, i), "a_in")}`);
  }
  const shown = terms.length > 8 ? terms.slice(0, 8).join(" + ") + ` + … <span class="muted">(${n} terms)</span>` : terms.join(" + ");
  let backward;
  if (layer === L) {
    backward = outputDelta(result, unit);
  } else {
    const next = layers[layer];
    const m = next.W.shape[1];
    const parts = [];
    for (let j = 0; j < m; j++) parts.push(`${paren(at(next.W, unit, j), "w_next")}·${paren(at(next.delta, 0, j), "delta_next")}`);
    const sum = at(Lr.grad_a, 0, unit);
    const deriv = at(Lr.act_deriv, 0, unit);
    const list = parts.length > 8 ? parts.slice(0, 8).join(" + ") + ` + … <span class="muted">(${m} terms)</span>` : parts.join(" + ");
    backward = `<p>∂L/∂a = Σ w_next·δ_next = ${list} = ${num(sum, "grad_a")}</p>
      <p>δ = ∂L/∂a · act′(z) = ${num(sum, "grad_a")} × ${paren(deriv, "act_deriv")} = ${num(d, "delta")}
      <span class="muted">(${actName(Lr.activation)}′ at z = ${fmt(z)})</span></p>`;
  }
  const actLine = layer === L && result.logits
    ? `a = ${actName(Lr.activation)}(z) = ${num(a, "a")}`
    : `a = ${actName(Lr.activation)}(z) = ${actName(Lr.activation)}(${fmt(z)}) = ${num(a, "a")}`;
  const gb = at(Lr.grad_b, unit), nb = at(Lr.new_b, unit);
  return `<h3>${esc(title)} <span class="muted">(${actName(Lr.activation)})</span></h3>
    <h4>Forward</h4>
    <p>z = Σ w·a + b = ${shown} + ${paren(b, "b")} = ${num(z, "z")}</p>
    <p>${actLine}</p>
    <h4>Backward</h4>
    ${backward}
    <h4>Update of its bias</h4>
    <p>∂L/∂b = δ = ${num(gb, "grad_b")}${result.n > 1 ? " (summed over the batch)" : ""};
      b ← ${num(b, "b")} → ${num(nb, "new_b")}</p>
    <p class="muted">Its incoming links:</p>
    <div class="inside-link-list">${Array.from({ length: n }, (_, i) =>
      `<button type="button" class="link-button" data-open-link="${layer},${i},${unit}">${esc(sourceLabel(layer, i, features))} → ${esc(title.toLowerCase())}</button>`).join(" ")}</div>`;
}

export function linkCard(result, layer, from, to, features) {
  const layers = result.layers;
  const L = layers.length;
  const Lr = layers[layer - 1];
  const opt = result.optimizer;
  const src = layer === 1 ? `input ${features[from]}` : `neuron ${from + 1} of layer ${layer - 1}`;
  const dst = layer === L ? `output ${to + 1}` : `neuron ${to + 1} of layer ${layer}`;
  const w = at(Lr.W, from, to), ai = at(Lr.x, 0, from), dj = at(Lr.delta, 0, to);
  const dw = at(Lr.dW, from, to), g = at(Lr.grad_W, from, to), nw = at(Lr.new_W, from, to);
  const penalty = g - dw;
  const state = opt.name === "adam"
    ? { m0: at(Lr.state_before.m.W, from, to), v0: at(Lr.state_before.v.W, from, to),
      m1: at(Lr.state_after.m.W, from, to), v1: at(Lr.state_after.v.W, from, to) }
    : opt.momentum ? { v0: at(Lr.state_before.velocity.W, from, to), v1: at(Lr.state_after.velocity.W, from, to) } : {};
  const update = updateFormula(opt, w, g, nw, state);
  const gLine = Math.abs(penalty) > 0
    ? `<p>g = ∂L/∂w + the penalty's gradient = ${paren(dw, "dw")} + ${paren(penalty, "penalty")} = ${num(g, "g")}</p>`
    : `<p>g = ∂L/∂w = ${num(g, "g")} <span class="muted">(no weight penalty)</span></p>`;
  const product = result.n === 1
    ? `∂L/∂w = a_i · δ_j = ${paren(ai, "a_i")} × ${paren(dj, "delta_j")} = ${num(dw, "dw")}`
    : `∂L/∂w = Σ over the batch of a_i · δ_j = ${num(dw, "dw")}`;
  return `<h3>Link ${esc(src)} → ${esc(dst)}</h3>
    <p>w = ${num(w, "w")}: it carries ${paren(ai, "a_i")} × ${paren(w, "w")} into z of ${esc(dst)}.</p>
    <h4>Backward</h4>
    <p>${product}</p>
    ${gLine}
    <h4>Update</h4>
    ${update}
    <p class="muted">Formula: ${esc(opt.formula)}</p>`;
}

/**
 * The update of one weight, with the numbers: w ← w − lr·g (SGD), with the velocity (momentum,
 * state {v0, v1}: before and after; v0 null on the first step) or both moments (Adam, state
 * {m0, v0, m1, v1}). Every number is the engine's (the optimizer's state before and after).
 */
export function updateFormula(opt, w, g, nw, state) {
  if (opt.name === "adam") {
    const { m0, v0, m1, v1 } = state;
    const t = opt.t;
    return `<p>Adam, step t = ${t} (β₁ = ${opt.beta1}, β₂ = ${opt.beta2}, ε = ${opt.eps}):</p>
      <p>m ← β₁·m + (1 − β₁)·g = ${opt.beta1}×${paren(m0, "m_before")} + ${fmt(1 - opt.beta1)}×${paren(g, "g")} = ${num(m1, "m")}</p>
      <p>v ← β₂·v + (1 − β₂)·g² = ${opt.beta2}×${paren(v0, "v_before")} + ${fmt(1 - opt.beta2)}×${paren(g, "g")}² = ${num(v1, "v")}</p>
      <p>w ← w − s · m / (√v + ε·c), with the bias corrections c = √(1 − β₂ᵗ) = ${num(opt.correction, "correction")}
        and s = lr · c / (1 − β₁ᵗ) = ${num(opt.scale, "scale")}:</p>
      <p>w ← ${num(w, "w")} − ${fmt(opt.scale)} × ${paren(m1, "m")} / (√${fmt(v1)} + ${fmt(opt.eps * opt.correction)}) = ${num(nw, "new_w")}
        <span class="muted">(the same as w − lr · m̂ / (√v̂ + ε) with m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ),
        but for where ε sits: nnpy's optim.py uses the paper's efficient form)</span></p>`;
  }
  if (opt.momentum) {
    const { v0, v1 } = state;
    return `<p>Momentum (μ = ${opt.momentum}):</p>
      <p>v ← μ·v + g = ${v0 === null || v0 === undefined ? `g <span class="muted">(the first step: v starts as g)</span>` :
        `${opt.momentum}×${paren(v0, "v_before")} + ${paren(g, "g")}`} = ${num(v1, "velocity")}</p>
      <p>w ← w − lr·v = ${num(w, "w")} − ${opt.lr}×${paren(v1, "velocity")} = ${num(nw, "new_w")}</p>`;
  }
  return `<p>w ← w − lr·g = ${num(w, "w")} − ${opt.lr}×${paren(g, "g")} = ${num(nw, "new_w")}</p>`;
}
