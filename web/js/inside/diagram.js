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

const SVG_NS = "http://www.w3.org/2000/svg";
const MAX_HIT_LINKS = 3000; // above this many links: bucketed paths, no per-link hover or tap target

// The SVG is written as one string and parsed once (the largest network has 333 neurons, each a
// group, a circle and a title): element by element it took three times as long.
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));

function colour(v, max) {
  const t = Math.min(1, Math.abs(v) / max);
  return rgb(v >= 0 ? POSITIVE : NEGATIVE, 0.15 + 0.85 * t);
}

export function createDiagram(element, { onNeuron, onLink }) {
  element.classList.add("inside-diagram");
  let segments = null; // {shape, layers: [[the path text of each link, i * m + j]]}: the same for every render of a shape
  let drawn = null; // {shape, svg, links, hits, neurons: [{g, circle, title, text, on, label, fill}]}: the SVG on screen
  // one listener each for every neuron and link the diagram will ever draw
  element.addEventListener("click", (e) => {
    const neuron = e.target.closest("[data-neuron]");
    if (neuron && element.contains(neuron)) {
      const [c, i] = neuron.dataset.neuron.split(",").map(Number);
      onNeuron(c, i);
      return;
    }
    const link = e.target.closest(".inside-hit[data-link]");
    if (link && element.contains(link)) onLink(...link.dataset.link.split(",").map(Number));
  });
  element.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" && e.key !== " ") return;
    const neuron = e.target.closest("[data-neuron]");
    if (!neuron || !element.contains(neuron)) return;
    e.preventDefault();
    const [c, i] = neuron.dataset.neuron.split(",").map(Number);
    onNeuron(c, i);
  });

  function render(result, stage, features) {
    const layers = result.layers;
    const L = layers.length;
    const sizes = [layers[0].W.shape[0], ...layers.map((l) => l.W.shape[1])];
    const tallest = Math.max(...sizes);
    const rowH = tallest > 12 ? 22 : 44;
    const colW = L > 5 ? 96 : 150;
    const width = 70 + colW * L + 70;
    const height = 30 + rowH * tallest;
    const xOf = (c) => 50 + c * colW;
    const yOf = (c, i) => 20 + (rowH * tallest - rowH * sizes[c]) / 2 + rowH * (i + 0.5);
    const r = Math.min(14, rowH / 2 - 3);
    const showText = rowH >= 40;

    // what each column and link shows at this stage
    const lit = (c) => (stage.kind === "forward" ? c <= stage.layer
      : stage.kind === "backward" ? c >= stage.layer || c === 0 : true);
    const linkArray = (l) => { // l: 1-based layer the links go into; null: the links are not lit
      const layer = layers[l - 1];
      if (stage.kind === "backward") return l >= stage.layer ? layer.dW : null;
      if (stage.kind === "update") return layer.new_W;
      return stage.kind === "forward" && l > stage.layer ? null : layer.W;
    };
    const linkWord = stage.kind === "backward" ? "∂L/∂w" : stage.kind === "update" ? "new w" : "w";

    const out = [];
    out.push(`<svg xmlns="${SVG_NS}" viewBox="0 0 ${width} ${height}" width="100%" role="group" ` +
      `aria-label="The network at this stage of the step" class="inside-svg" style="max-height: ${Math.max(260, height)}px;">`);
    const linkParts = [], hitParts = [];
    // thousands of links: a few paths (by sign and size) draw many times faster than a line each;
    // their numbers are then in the neuron cards' link lists instead of on hover
    const many = layers.reduce((n, l) => n + l.W.shape[0] * l.W.shape[1], 0) > MAX_HIT_LINKS;
    const buckets = many ? new Map() : null;
    const shape = sizes.join(",");
    if (many && (!segments || segments.shape !== shape)) segments = { shape, layers: linkSegments(sizes, xOf, yOf, r) };
    for (let l = 1; l <= L; l++) {
      const [n, m] = layers[l - 1].W.shape;
      const array = linkArray(l);
      const data = array ? array.data : null;
      let max = 0;
      if (data) for (let k = 0; k < n * m; k++) max = Math.max(max, Math.abs(data[k]));
      max = max || 1;
      if (many) { // each link's "M x0 y0 L x1 y1" into the path of its bucket
        const segs = segments.layers[l - 1];
        for (let k = 0; k < n * m; k++) {
          const v = data ? data[k] : null;
          const t = v === null ? -1 : Math.min(3, Math.floor(4 * Math.min(1, Math.abs(v) / max)));
          const key = v === null ? "off" : `${v >= 0 ? "+" : "-"}${t}`;
          let list = buckets.get(key);
          if (!list) buckets.set(key, list = []);
          list.push(segs[k]);
        }
        continue;
      }
      const x0 = xOf(l - 1) + r, x1 = xOf(l) - r;
      for (let i = 0; i < n; i++) {
        const y0 = yOf(l - 1, i);
        for (let j = 0; j < m; j++) {
          const y1 = yOf(l, j);
          const v = data ? data[i * m + j] : null;
          const stroke = v === null ? "#dadce0" : colour(v, max);
          const strokeWidth = v === null ? 0.7 : (0.7 + 3.3 * Math.min(1, Math.abs(v) / max)).toFixed(2);
          const ends = `x1="${x0}" y1="${y0}" x2="${x1}" y2="${y1}"`;
          if (v === null) {
            linkParts.push(`<line ${ends} stroke="${stroke}" stroke-width="${strokeWidth}"></line>`);
            continue;
          }
          const label = esc(`${linkWord} = ${fmt(v)}: ${sourceName(l, i, features)} → ${neuronWord(l, j, L)}`);
          linkParts.push(`<line ${ends} stroke="${stroke}" stroke-width="${strokeWidth}"><title>${label}</title></line>`);
          hitParts.push(`<line ${ends} class="inside-hit" data-link="${l},${i},${j}"><title>${label}</title></line>`);
        }
      }
    }
    if (many) {
      for (const [key, list] of buckets) {
        const t = key === "off" ? 0 : Number(key[1]);
        const stroke = key === "off" ? "#dadce0" : rgb(key[0] === "+" ? POSITIVE : NEGATIVE, 0.2 + 0.25 * t);
        linkParts.push(`<path d="${list.join("")}" fill="none" data-links="${key}" stroke="${stroke}" ` +
          `stroke-width="${key === "off" ? 0.7 : 0.7 + 0.9 * t}"></path>`);
      }
    }
    const linksHtml = linkParts.join(""), hitsHtml = hitParts.join("");

    // the neurons: what each shows at this stage
    const neurons = [];
    for (let c = 0; c <= L; c++) {
      const on = lit(c);
      let layerMax = null;
      for (let i = 0; i < sizes[c]; i++) {
        const { value, word, label } = neuronShows(result, stage, c, i, features);
        if (value !== null && layerMax === null) layerMax = columnMax(result, stage, c);
        neurons.push({ c, i, on, label, fill: value === null || !on ? "#f1f3f4" : colour(value, layerMax),
          text: showText && on && value !== null ? `${word}${fmt(value)}` : null });
      }
    }

    // The same network as last time (a new point, another stage): its elements stay and only what
    // they show changes, so the browser lays out nothing again and the focus stays where it is.
    if (drawn && drawn.shape === shape && element.contains(drawn.svg)) {
      drawn.links.innerHTML = linksHtml;
      drawn.hits.innerHTML = hitsHtml;
      neurons.forEach((n, k) => update(drawn.neurons[k], n, r));
      return;
    }

    out.push(`<g class="inside-links">${linksHtml}</g><g class="inside-hits">${hitsHtml}</g>`);
    let k = 0;
    for (let c = 0; c <= L; c++) {
      out.push(`<text x="${xOf(c)}" y="12" class="inside-col-label">${c === 0 ? "inputs" : c === L ? "output" : `layer ${c}`}</text>`);
      for (let i = 0; i < sizes[c]; i++) {
        const n = neurons[k++];
        const text = esc(n.label);
        out.push(`<g class="inside-neuron${n.on ? "" : " dim"}" tabindex="0" role="button" data-neuron="${c},${i}" ` +
          `aria-label="${text}"><circle cx="${xOf(c)}" cy="${yOf(c, i)}" r="${r}" fill="${n.fill}" stroke="#5f6368" stroke-width="1">` +
          `</circle><title>${text}</title></g>`);
        if (n.text !== null) {
          // beside the button, not in it: its accessible name is the full label (the value is in it too)
          out.push(`<text x="${xOf(c)}" y="${yOf(c, i) + r + 11}" class="inside-value" aria-hidden="true">${esc(n.text)}</text>`);
        }
      }
    }
    out.push("</svg>");
    element.innerHTML = out.join("");
    const svg = element.querySelector("svg");
    drawn = { shape, svg, links: svg.querySelector(".inside-links"), hits: svg.querySelector(".inside-hits"),
      neurons: Array.from(svg.querySelectorAll(".inside-neuron"), (g, k) => {
        const n = neurons[k];
        const next = g.nextElementSibling;
        return { g, circle: g.firstElementChild, title: g.lastElementChild, on: n.on, label: n.label, fill: n.fill,
          text: next && next.classList.contains("inside-value") ? next : null };
      }) };
  }

  /** One neuron's elements (drawn.neurons[k]) made to show `n`, touching only what changed. */
  function update(rec, n, r) {
    if (rec.on !== n.on) { rec.g.setAttribute("class", "inside-neuron" + (n.on ? "" : " dim")); rec.on = n.on; }
    if (rec.label !== n.label) { rec.g.setAttribute("aria-label", n.label); rec.title.textContent = n.label; rec.label = n.label; }
    if (rec.fill !== n.fill) { rec.circle.setAttribute("fill", n.fill); rec.fill = n.fill; }
    if (n.text === null) {
      if (rec.text) { rec.text.remove(); rec.text = null; }
      return;
    }
    if (!rec.text) {
      const x = rec.circle.getAttribute("cx"), y = Number(rec.circle.getAttribute("cy"));
      rec.text = document.createElementNS(SVG_NS, "text");
      for (const [key, v] of [["x", x], ["y", y + r + 11], ["class", "inside-value"], ["aria-hidden", "true"]]) rec.text.setAttribute(key, v);
      rec.g.after(rec.text);
    }
    if (rec.text.textContent !== n.text) rec.text.textContent = n.text;
  }

  return { render, element };
}

/** Per layer l (1-based, index l - 1), the path text of each link i -> j at [i * m + j]. */
function linkSegments(sizes, xOf, yOf, r) {
  const out = [];
  for (let l = 1; l < sizes.length; l++) {
    const n = sizes[l - 1], m = sizes[l];
    const x0 = xOf(l - 1) + r, x1 = xOf(l) - r;
    const ends = Array.from({ length: m }, (_, j) => `L${x1} ${yOf(l, j)}`);
    const segs = new Array(n * m);
    for (let i = 0; i < n; i++) {
      const start = `M${x0} ${yOf(l - 1, i)}`;
      for (let j = 0; j < m; j++) segs[i * m + j] = start + ends[j];
    }
    out.push(segs);
  }
  return out;
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
