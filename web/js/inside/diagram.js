/**
 * The network of a look inside one training step, as an SVG: one column of neurons a layer,
 * every link. What the neurons and links show follows the stage:
 *
 *   forward, layer k   neurons up to layer k show a (z in their label); links show w
 *   loss               the output neurons show their value and the target
 *   backward, layer k  neurons from layer k on show delta = dL/dz; their links show dL/dw
 *   update             links show the new w; neurons their new b
 *
 * Colour is the sign (blue +, orange −), width and strength the size against the largest of
 * that layer. Every neuron is a focusable button (Enter opens its card); links open theirs on
 * click or tap and name their number on hover.
 *
 *   const diagram = createDiagram(element, { onNeuron: (layer, unit) => ..., onLink: (layer, from, to) => ... });
 *   diagram.render(result, position, features)   // position: see stageOf in inside.js
 */

import { NEGATIVE, POSITIVE, rgb } from "../core/colors.js";
import { at, fmt, maxAbs } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
const MAX_HIT_LINKS = 3000; // above this many links: bucketed paths, no per-link hover or tap target

function el(name, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.append(node);
  return node;
}

function colour(v, max) {
  const t = Math.min(1, Math.abs(v) / max);
  return rgb(v >= 0 ? POSITIVE : NEGATIVE, 0.15 + 0.85 * t);
}

export function createDiagram(element, { onNeuron, onLink }) {
  element.classList.add("inside-diagram");

  function render(result, stage, features) {
    const layers = result.layers;
    const L = layers.length;
    const sizes = [layers[0].W.shape[0], ...layers.map((l) => l.W.shape[1])];
    const tallest = Math.max(...sizes);
    const rowH = tallest > 12 ? 22 : 44;
    const colW = L > 5 ? 96 : 150;
    const width = 70 + colW * L + 70;
    const height = 30 + rowH * tallest;
    element.textContent = "";
    const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "group",
      "aria-label": "The network at this stage of the step", class: "inside-svg" }, element);
    svg.style.maxHeight = `${Math.max(260, height)}px`;
    const pos = (c, i) => [50 + c * colW, 20 + (rowH * tallest - rowH * sizes[c]) / 2 + rowH * (i + 0.5)];
    const r = Math.min(14, rowH / 2 - 3);
    const showText = rowH >= 40;

    // what each column and link shows at this stage
    const lit = (c) => (stage.kind === "forward" ? c <= stage.layer
      : stage.kind === "backward" ? c >= stage.layer || c === 0 : true);
    const linkValue = (l, i, j) => { // l: 1-based layer the link goes into
      const layer = layers[l - 1];
      if (stage.kind === "backward") return l >= stage.layer ? at(layer.dW, i, j) : null;
      if (stage.kind === "update") return at(layer.new_W, i, j);
      return stage.kind === "forward" && l > stage.layer ? null : at(layer.W, i, j);
    };
    const linkWord = stage.kind === "backward" ? "∂L/∂w" : stage.kind === "update" ? "new w" : "w";

    const links = el("g", { class: "inside-links" }, svg);
    const hits = el("g", { class: "inside-hits" }, svg);
    // thousands of links: a few paths (by sign and size) draw many times faster than a line each;
    // their numbers are then in the neuron cards' link lists instead of on hover
    const many = layers.reduce((n, l) => n + l.W.shape[0] * l.W.shape[1], 0) > MAX_HIT_LINKS;
    const buckets = many ? new Map() : null;
    for (let l = 1; l <= L; l++) {
      const layer = layers[l - 1];
      const [n, m] = layer.W.shape;
      let max = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) max = Math.max(max, Math.abs(linkValue(l, i, j) ?? 0));
      max = max || 1;
      for (let i = 0; i < n; i++) {
        const [x0, y0] = pos(l - 1, i);
        for (let j = 0; j < m; j++) {
          const [x1, y1] = pos(l, j);
          const v = linkValue(l, i, j);
          if (many) {
            const t = v === null ? -1 : Math.min(3, Math.floor(4 * Math.min(1, Math.abs(v) / max)));
            const key = v === null ? "off" : `${v >= 0 ? "+" : "-"}${t}`;
            buckets.set(key, (buckets.get(key) || "") + `M${x0 + r} ${y0}L${x1 - r} ${y1}`);
            continue;
          }
          const line = el("line", { x1: x0 + r, y1: y0, x2: x1 - r, y2: y1,
            stroke: v === null ? "#dadce0" : colour(v, max),
            "stroke-width": v === null ? 0.7 : (0.7 + 3.3 * Math.min(1, Math.abs(v) / max)).toFixed(2) }, links);
          if (v === null) continue;
          const label = `${linkWord} = ${fmt(v)}: ${sourceName(l, i, features)} → ${neuronWord(l, j, L)}`;
          el("title", {}, line).textContent = label;
          const target = el("line", { x1: x0 + r, y1: y0, x2: x1 - r, y2: y1, class: "inside-hit" }, hits);
          el("title", {}, target).textContent = label;
          target.dataset.link = `${l},${i},${j}`;
          target.addEventListener("click", () => onLink(l, i, j));
        }
      }
    }

    if (many) {
      for (const [key, d] of buckets) {
        const t = key === "off" ? 0 : Number(key[1]);
        el("path", { d, fill: "none", "data-links": key,
          stroke: key === "off" ? "#dadce0" : rgb(key[0] === "+" ? POSITIVE : NEGATIVE, 0.2 + 0.25 * t),
          "stroke-width": key === "off" ? 0.7 : 0.7 + 0.9 * t }, links);
      }
    }

    for (let c = 0; c <= L; c++) {
      const on = lit(c);
      el("text", { x: pos(c, 0)[0], y: 12, class: "inside-col-label" }, svg).textContent =
        c === 0 ? "inputs" : c === L ? "output" : `layer ${c}`;
      for (let i = 0; i < sizes[c]; i++) {
        const [x, y] = pos(c, i);
        const { value, word, label } = neuronShows(result, stage, c, i, features);
        const g = el("g", { class: "inside-neuron" + (on ? "" : " dim"), tabindex: "0", role: "button",
          "data-neuron": `${c},${i}`, "aria-label": label }, svg);
        const layerMax = value === null ? 1 : columnMax(result, stage, c);
        el("circle", { cx: x, cy: y, r, fill: value === null || !on ? "#f1f3f4" : colour(value, layerMax),
          stroke: "#5f6368", "stroke-width": 1 }, g);
        el("title", {}, g).textContent = label;
        if (showText && on && value !== null) {
          // beside the button, not in it: its accessible name is the full label (the value is in it too)
          el("text", { x, y: y + r + 11, class: "inside-value", "aria-hidden": "true" }, svg).textContent = `${word}${fmt(value)}`;
        }
        const open = () => onNeuron(c, i);
        g.addEventListener("click", open);
        g.addEventListener("keydown", (e) => {
          if (e.key === "Enter" || e.key === " ") { e.preventDefault(); open(); }
        });
      }
    }
  }

  return { render, element };
}

function sourceName(l, i, features) {
  return l === 1 ? `input ${features[i]}` : `neuron ${i + 1} of layer ${l - 1}`;
}

function neuronWord(l, j, L) {
  return l === L ? `output ${j + 1}` : `neuron ${j + 1} of layer ${l}`;
}

/** The number a neuron shows at this stage, its short word and its full label. */
function neuronShows(result, stage, c, i, features) {
  const layers = result.layers;
  const L = layers.length;
  const name = c === 0 ? `input ${features[i]}` : neuronWord(c, i, L);
  if (c === 0) {
    const x = at(layers[0].x, 0, i);
    return { value: x, word: "", label: `${name} = ${fmt(x)}` };
  }
  const layer = layers[c - 1];
  const z = at(layer.z, 0, i), a = at(layer.a, 0, i), d = at(layer.delta, 0, i);
  if (stage.kind === "backward" && c >= stage.layer) {
    return { value: d, word: "δ ", label: `${name}: δ = ∂L/∂z = ${fmt(d)} (z = ${fmt(z)}, a = ${fmt(a)})` };
  }
  if (stage.kind === "update") {
    const b = at(layer.new_b, i);
    return { value: b, word: "b ", label: `${name}: new bias b = ${fmt(b)} (was ${fmt(at(layer.b, i))})` };
  }
  if (stage.kind === "loss" && c === L) {
    const y = at(result.targets, 0, i);
    return { value: a, word: "", label: `${name} = ${fmt(a)}, target ${fmt(y)}` };
  }
  return { value: a, word: "", label: `${name}: z = ${fmt(z)}, a = ${fmt(a)}` };
}

function columnMax(result, stage, c) {
  if (c === 0) return maxAbs(result.layers[0].x);
  const layer = result.layers[c - 1];
  if (stage.kind === "backward" && c >= stage.layer) return maxAbs(layer.delta);
  if (stage.kind === "update") return maxAbs(layer.new_b);
  return layer.activation === "sigmoid" || layer.activation === "softmax" ? 1 : maxAbs(layer.a);
}
