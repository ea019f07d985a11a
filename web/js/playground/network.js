/**
 * The network diagram: the seven input features (click to switch one on or off), the hidden
 * layers (+/- neurons per layer, +/- layers), the output; a heatmap thumbnail in every neuron, a
 * square for every bias (the output's too), links drawn by weight sign (blue +, orange -) and
 * size. Hovering or focusing a neuron shows it in the main view; a click or tap pins it there
 * and opens its card (its bias and incoming weights, editable). A link shows its weight on hover
 * and opens the card of the neuron it feeds when clicked.
 *
 *   const net = createNetwork(element, { onToggleFeature, onLayers, onUnits, onFocus, onSelect });
 *   net.setStructure({ features: [bool x7], hidden: [{units, activation}], outputs, outputKind });
 *   net.paint(snapshot, network);   // network: the engine's description the snapshot belongs to
 *   net.setSelected([layer, unit] | null);
 */

import { FEATURES, MAX_LAYERS, MAX_UNITS } from "./state.js";
import { NEGATIVE, POSITIVE, diverging, paintDiverging, rgb, scaleFor } from "../core/colors.js";

const THUMB = 20;
const FEATURE_FNS = [
  (a) => a, (a, b) => b, (a) => a * a, (a, b) => b * b, (a, b) => a * b,
  (a) => Math.sin(a), (a, b) => Math.sin(b),
];

/** A feature's values over an n x n grid of pixel centres (row 0 at the top), like the engine's. */
export function featureMap(index, n) {
  const out = new Float32Array(n * n);
  const f = FEATURE_FNS[index];
  for (let r = 0; r < n; r++) {
    const x2 = 6 - ((r + 0.5) * 12) / n;
    for (let c = 0; c < n; c++) out[r * n + c] = f(-6 + ((c + 0.5) * 12) / n, x2);
  }
  return out;
}

const FEATURE_THUMBS = FEATURES.map((_, i) => featureMap(i, THUMB));

export function activationLabel(name) {
  return { relu: "ReLU", leaky_relu: "leaky ReLU", tanh: "tanh", sigmoid: "sigmoid", linear: "linear", softmax: "softmax" }[name] || name;
}

export function neuronName(layer, unit, structure) {
  if (layer === 0) return `input ${FEATURES[unit] ? FEATURES[unit].label : unit}`;
  if (layer === structure.hidden.length + 1) {
    return structure.outputs > 1 ? `output ${unit} (class ${unit})` : "the output";
  }
  return `neuron ${unit + 1} of layer ${layer}`;
}

export function createNetwork(element, handlers) {
  const { onToggleFeature, onLayers, onUnits, onFocus, onSelect } = handlers;
  element.classList.add("network");
  element.innerHTML = `
    <div class="net-toolbar">
      <button type="button" class="icon-button" data-act="remove-layer" aria-label="Remove the last hidden layer">−</button>
      <button type="button" class="icon-button" data-act="add-layer" aria-label="Add a hidden layer">+</button>
      <span class="net-count" aria-live="polite"></span>
      <span class="net-params"></span>
    </div>
    <div class="net-body">
      <canvas class="net-links" aria-hidden="true"></canvas>
      <div class="net-nodes"></div>
      <div class="net-tooltip" role="status" hidden></div>
    </div>`;
  const body = element.querySelector(".net-body");
  const linksCanvas = element.querySelector(".net-links");
  const nodesEl = element.querySelector(".net-nodes");
  const tooltip = element.querySelector(".net-tooltip");
  const countEl = element.querySelector(".net-count");
  const paramsEl = element.querySelector(".net-params");
  const lctx = linksCanvas.getContext("2d");

  let structure = null;
  let layout = null;     // {columns: [[{x, y, el, values, scale, bias}]], size, width, height, params}
  // Every thumbnail goes through one atlas (one putImageData) onto the one canvas that also holds
  // the links: a canvas per neuron would cost the compositor a layer each, every frame.
  const atlas = document.createElement("canvas");
  let atlasImage = null;
  let lastSnapshot = null;
  let lastNetwork = null;
  let selected = null;
  let hover = null;      // a link under the pointer: {layer, from, to}

  element.querySelector('[data-act="add-layer"]').addEventListener("click", () => onLayers(+1));
  element.querySelector('[data-act="remove-layer"]').addEventListener("click", () => onLayers(-1));

  // -------------------------------------------------------------- building

  function setStructure(next) {
    const key = JSON.stringify(next);
    if (structure && key === JSON.stringify(structure)) return;
    structure = JSON.parse(key);
    const n = structure.hidden.length;
    countEl.textContent = `${n} hidden layer${n === 1 ? "" : "s"}`;
    element.querySelector('[data-act="add-layer"]').disabled = n >= MAX_LAYERS;
    element.querySelector('[data-act="remove-layer"]').disabled = n === 0;
    build();
  }

  function nodeButton(layer, unit, extraClass, label) {
    const el = document.createElement("button");
    el.type = "button";
    el.className = "node " + extraClass;
    el.dataset.layer = layer;
    el.dataset.unit = unit;
    el.setAttribute("aria-label", label);
    return { el, values: null, scale: null, bias: null };
  }

  function build() {
    nodesEl.textContent = "";
    const columns = [];
    // inputs: all seven features, the inactive ones dimmed
    const inputs = FEATURES.map((f, i) => {
      const on = structure.features[i];
      const node = nodeButton(0, i, "feature" + (on ? " on" : ""), `Input feature ${f.label}: ${on ? "on" : "off"}. Click to switch ${on ? "off" : "on"}.`);
      node.el.setAttribute("aria-pressed", String(on));
      const label = document.createElement("span");
      label.className = "feature-label";
      label.textContent = f.label;
      node.el.append(label);
      node.el.addEventListener("click", () => onToggleFeature(f.key));
      node.values = FEATURE_THUMBS[i];
      node.inactive = !on;
      node.scale = scaleFor("free", FEATURE_THUMBS[i]);
      node.feature = i;
      return node;
    });
    columns.push(inputs);
    const L = structure.hidden.length;
    structure.hidden.forEach((layer, h) => {
      const col = [];
      for (let u = 0; u < layer.units; u++) {
        col.push(nodeButton(h + 1, u, "hidden", `Neuron ${u + 1} of hidden layer ${h + 1} (${activationLabel(layer.activation)}). Show it in the main view and open its weights.`));
      }
      columns.push(col);
    });
    const outs = [];
    for (let u = 0; u < structure.outputs; u++) {
      const label = structure.outputs > 1 ? `Output for class ${u} (softmax)` : `The output neuron (${activationLabel(structure.outputKind)})`;
      outs.push(nodeButton(L + 1, u, "output", `${label}. Show it in the main view and open its weights.`));
    }
    columns.push(outs);
    for (const col of columns) for (const node of col) {
      nodesEl.append(node.el);
      const where = [Number(node.el.dataset.layer), Number(node.el.dataset.unit)];
      node.el.addEventListener("pointerenter", (e) => { if (e.pointerType === "mouse") onFocus(where, "hover"); });
      node.el.addEventListener("pointerleave", (e) => { if (e.pointerType === "mouse") onFocus(null, "hover"); });
      // keyboard focus previews like hover; a tap also focuses the button, but only the click counts
      node.el.addEventListener("focus", () => { if (node.el.matches(":focus-visible")) onFocus(where, "keyboard"); });
      node.el.addEventListener("blur", () => onFocus(null, "keyboard"));
      if (node.feature === undefined) node.el.addEventListener("click", () => onSelect(where)); // features toggle
    }
    // per-layer heads: +/- neurons
    structure.hidden.forEach((layer, h) => {
      const head = document.createElement("div");
      head.className = "layer-head";
      head.dataset.layer = h + 1;
      head.innerHTML = `
        <button type="button" class="icon-button small" data-d="1" aria-label="Add a neuron to hidden layer ${h + 1}" ${layer.units >= MAX_UNITS ? "disabled" : ""}>+</button>
        <button type="button" class="icon-button small" data-d="-1" aria-label="Remove a neuron from hidden layer ${h + 1}" ${layer.units <= 1 ? "disabled" : ""}>−</button>
        <span class="layer-text"><b>${layer.units}</b> ${activationLabel(layer.activation)}</span>`;
      head.querySelectorAll("button").forEach((b) => b.addEventListener("click", () => onUnits(h, Number(b.dataset.d))));
      nodesEl.append(head);
    });
    for (const [cls, text] of [["col-title inputs", "Features"], ["col-title outputs", "Output"]]) {
      const t = document.createElement("div");
      t.className = cls;
      t.textContent = text;
      nodesEl.append(t);
    }
    layout = { columns };
    place();
    if (selected) setSelected(selected);
    if (lastSnapshot) paint(lastSnapshot, lastNetwork);
  }

  function place() {
    if (!layout) return;
    const width = Math.max(260, body.clientWidth || 600);
    const cols = layout.columns.length;
    const maxRows = Math.max(...layout.columns.map((c) => c.length));
    const labels = 54; // room for the feature labels left of the first column
    const size = Math.round(Math.max(12, Math.min(34, (width - labels) / cols * 0.5, 440 / (maxRows * 1.3))));
    const x0 = labels + size / 2, x1 = width - 4 - size / 2;
    const spacing = (x1 - x0) / (cols - 1); // between column centres
    const rowStep = size * 1.3;
    const top = 50;
    const height = Math.ceil(top + maxRows * rowStep + 8);
    layout.size = size;
    layout.width = width;
    layout.height = height;
    body.style.height = height + "px";
    layout.columns.forEach((col, c) => {
      const cx = x0 + spacing * c;
      const y0 = top + ((maxRows - col.length) * rowStep) / 2;
      col.forEach((node, i) => {
        node.x = cx;
        node.y = y0 + i * rowStep + size / 2;
        node.el.style.left = cx - size / 2 + "px";
        node.el.style.top = node.y - size / 2 + "px";
        node.el.style.width = node.el.style.height = size + "px";
      });
      layout.columns[c].cx = cx;
    });
    nodesEl.querySelectorAll(".layer-head").forEach((head) => {
      const col = layout.columns[Number(head.dataset.layer)];
      head.style.left = col.cx + "px";
      head.classList.toggle("narrow", spacing < 46);
    });
    const titles = nodesEl.querySelectorAll(".col-title");
    titles[0].style.left = layout.columns[0].cx + "px";
    titles[1].style.left = Math.min(layout.columns[cols - 1].cx, width - 34) + "px";
    for (const t of titles) t.hidden = spacing < 64;
    const dpr = window.devicePixelRatio || 1;
    linksCanvas.width = Math.round(width * dpr);
    linksCanvas.height = Math.round(height * dpr);
    linksCanvas.style.width = width + "px";
    linksCanvas.style.height = height + "px";
    lctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    drawLinks();
  }

  // -------------------------------------------------------------- painting

  /** Does this snapshot's network match the diagram? */
  function matches(network) {
    if (!network || !structure) return false;
    const active = FEATURES.filter((_, i) => structure.features[i]).map((f) => f.name);
    if (active.join() !== network.features.join()) return false;
    const units = network.layers.map((l) => l.units);
    const want = [...structure.hidden.map((h) => h.units), structure.outputs];
    return units.join() === want.join();
  }

  /** The weights of layer l (1-based) as {W: Float64Array (in*out), b, fanIn, fanOut} from the flat params. */
  function layerParams(snapshot, network) {
    const out = [];
    let offset = 0;
    let fanIn = network.features.length;
    const flat = snapshot.params.data;
    for (const layer of network.layers) {
      const n = fanIn * layer.units;
      out.push({ W: flat.subarray(offset, offset + n), b: flat.subarray(offset + n, offset + n + layer.units), fanIn, fanOut: layer.units });
      offset += n + layer.units;
      fanIn = layer.units;
    }
    return out;
  }

  function paint(snapshot, network) {
    lastSnapshot = snapshot;
    lastNetwork = network;
    if (!layout || !matches(network)) return;
    const thumbs = snapshot.thumbs.data;
    const per = THUMB * THUMB;
    let t = network.features.length * per; // the engine's input thumbnails: drawn from FEATURE_THUMBS
    network.layers.forEach((layer, l) => {
      const col = layout.columns[l + 1];
      for (let u = 0; u < layer.units; u++) {
        // each neuron on its own scale when its range is open (ReLU, linear): its pattern shows
        col[u].values = thumbs.subarray(t + u * per, t + (u + 1) * per);
        col[u].scale = scaleFor(layer.kind, col[u].values);
      }
      t += layer.units * per;
    });
    const params = layerParams(snapshot, network);
    params.forEach((p, l) => {
      const col = layout.columns[l + 1];
      for (let u = 0; u < p.fanOut; u++) col[u].bias = p.b[u];
    });
    layout.params = params;
    drawLinks();
  }

  const BUCKETS = 8;
  const STRAIGHT_ABOVE = 2000;
  function drawLinks() {
    const w = layout ? layout.width : 0, h = layout ? layout.height : 0;
    lctx.clearRect(0, 0, w, h);
    if (!layout) return;
    if (layout.params && matches(lastNetwork)) drawWeights();
    drawNodes();
  }

  function drawNodes() {
    const nodes = layout.columns.flat().filter((n) => n.values);
    const per = THUMB * THUMB;
    if (!atlasImage || atlasImage.height !== THUMB * Math.max(1, nodes.length)) {
      atlas.width = THUMB;
      atlas.height = THUMB * Math.max(1, nodes.length);
      atlasImage = atlas.getContext("2d").createImageData(THUMB, atlas.height);
    }
    nodes.forEach((node, i) => {
      paintDiverging(node.values, atlasImage.data.subarray(i * per * 4, (i + 1) * per * 4), node.scale);
    });
    atlas.getContext("2d").putImageData(atlasImage, 0, 0);
    const s = layout.size;
    lctx.imageSmoothingEnabled = true;
    nodes.forEach((node, i) => {
      lctx.globalAlpha = node.inactive ? 0.3 : 1;
      lctx.drawImage(atlas, 0, i * THUMB, THUMB, THUMB, node.x - s / 2, node.y - s / 2, s, s);
    });
    lctx.globalAlpha = 1;
    lctx.fillStyle = "#ffffff";
    for (const node of layout.columns.flat()) {
      if (!node.values) lctx.fillRect(node.x - s / 2, node.y - s / 2, s, s); // not trained yet
    }
    // every bias: a small square at the neuron's lower left corner
    lctx.strokeStyle = "#5f6368";
    lctx.lineWidth = 1;
    const b = Math.max(5, Math.round(s / 4.5));
    for (const node of layout.columns.flat()) {
      if (node.bias === null || node.bias === undefined) continue;
      lctx.fillStyle = rgb(diverging(Math.tanh(node.bias)));
      const x = Math.round(node.x - s / 2 - b / 2) + 0.5, y = Math.round(node.y + s / 2 - b / 2) + 0.5;
      lctx.fillRect(x, y, b, b);
      lctx.strokeRect(x, y, b, b);
    }
  }

  function drawWeights() {
    const active = FEATURES.map((_, i) => i).filter((i) => structure.features[i]);
    // group links by sign and |w| bucket: 2 * BUCKETS strokes, however many links
    const paths = Array.from({ length: 2 * BUCKETS }, () => new Path2D());
    // thousands of links: straight lines draw several times faster than curves, and look the same
    const links = layout.params.reduce((n, p) => n + p.fanIn * p.fanOut, 0);
    const straight = links > STRAIGHT_ABOVE;
    layout.straight = straight;
    const used = new Uint8Array(2 * BUCKETS);
    layout.params.forEach((p, l) => {
      const from = layout.columns[l];
      const to = layout.columns[l + 1];
      for (let i = 0; i < p.fanIn; i++) {
        const a = l === 0 ? from[active[i]] : from[i];
        for (let j = 0; j < p.fanOut; j++) {
          const wv = p.W[i * p.fanOut + j];
          if (Number.isNaN(wv)) continue; // a student's framework can leave NaN weights: no line to draw
          const bucket = Math.min(BUCKETS - 1, Math.floor(Math.abs(wv) * 2));
          const k = (wv >= 0 ? BUCKETS : 0) + bucket;
          const b = to[j];
          paths[k].moveTo(a.x, a.y);
          if (straight) {
            paths[k].lineTo(b.x, b.y);
          } else {
            const mx = (a.x + b.x) / 2;
            paths[k].bezierCurveTo(mx, a.y, mx, b.y, b.x, b.y);
          }
          used[k] = 1;
        }
      }
    });
    for (let k = 0; k < 2 * BUCKETS; k++) {
      if (!used[k]) continue;
      const bucket = k % BUCKETS;
      const colour = k >= BUCKETS ? POSITIVE : NEGATIVE;
      lctx.strokeStyle = rgb(colour, 0.25 + 0.75 * (bucket + 1) / BUCKETS);
      lctx.lineWidth = 0.6 + bucket * 0.9;
      lctx.stroke(paths[k]);
    }
    if (hover) {
      const { a, b } = hover;
      const mx = (a.x + b.x) / 2;
      lctx.strokeStyle = "rgba(32,33,36,0.9)";
      lctx.lineWidth = 2;
      lctx.beginPath();
      lctx.moveTo(a.x, a.y);
      if (layout.straight) lctx.lineTo(b.x, b.y);
      else lctx.bezierCurveTo(mx, a.y, mx, b.y, b.x, b.y);
      lctx.stroke();
    }
  }

  // -------------------------------------------------------------- links under the pointer

  function bezierPoint(a, b, t) {
    if (layout.straight) return [a.x + t * (b.x - a.x), a.y + t * (b.y - a.y)];
    const mx = (a.x + b.x) / 2;
    const u = 1 - t;
    const x = u * u * u * a.x + 3 * u * u * t * mx + 3 * u * t * t * mx + t * t * t * b.x;
    const y = u * u * u * a.y + 3 * u * u * t * a.y + 3 * u * t * t * b.y + t * t * t * b.y;
    return [x, y];
  }

  function linkAt(px, py) {
    if (!layout || !layout.params || !matches(lastNetwork)) return null;
    const active = FEATURES.map((_, i) => i).filter((i) => structure.features[i]);
    let best = null, bestD = 6 * 6;
    layout.params.forEach((p, l) => {
      const from = layout.columns[l], to = layout.columns[l + 1];
      const x0 = l === 0 ? from[active[0]].x : from[0].x;
      const x1 = to[0].x;
      if (px < x0 || px > x1) return;
      const t = (px - x0) / (x1 - x0);
      for (let i = 0; i < p.fanIn; i++) {
        const a = l === 0 ? from[active[i]] : from[i];
        for (let j = 0; j < p.fanOut; j++) {
          const b = to[j];
          // the curve is monotone in x: search t near the pointer's x
          for (const dt of [-0.04, 0, 0.04]) {
            const [x, y] = bezierPoint(a, b, Math.min(1, Math.max(0, t + dt)));
            const d = (x - px) ** 2 + (y - py) ** 2;
            if (d < bestD) { bestD = d; best = { layer: l + 1, from: i, to: j, a, b, w: p.W[i * p.fanOut + j] }; }
          }
        }
      }
    });
    return best;
  }

  body.addEventListener("pointermove", (e) => {
    if (e.target !== linksCanvas && e.target !== body) { if (hover) { hover = null; tooltip.hidden = true; drawLinks(); } return; }
    const rect = body.getBoundingClientRect();
    const px = e.clientX - rect.left, py = e.clientY - rect.top;
    const link = linkAt(px, py);
    const same = link && hover && link.layer === hover.layer && link.from === hover.from && link.to === hover.to;
    if (same) return;
    hover = link;
    if (link) {
      const src = link.layer === 1 ? FEATURES.filter((_, i) => structure.features[i])[link.from].label : `neuron ${link.from + 1} of layer ${link.layer - 1}`;
      const dst = neuronName(link.layer, link.to, structure);
      tooltip.textContent = `weight ${link.w.toFixed(3)}: ${src} → ${dst}. Click to edit.`;
      tooltip.style.left = Math.min(px + 10, layout.width - 180) + "px";
      tooltip.style.top = py + 12 + "px";
      tooltip.hidden = false;
    } else {
      tooltip.hidden = true;
    }
    drawLinks();
  });
  body.addEventListener("pointerleave", () => { if (hover) { hover = null; tooltip.hidden = true; drawLinks(); } });
  linksCanvas.addEventListener("click", (e) => {
    const rect = body.getBoundingClientRect();
    const link = linkAt(e.clientX - rect.left, e.clientY - rect.top);
    if (link) onSelect([link.layer, link.to], { weight: link.from });
  });

  function setSelected(where) {
    selected = where;
    nodesEl.querySelectorAll(".node.selected").forEach((n) => n.classList.remove("selected"));
    if (!where || !layout) return;
    const col = layout.columns[where[0]];
    if (col && col[where[1]]) col[where[1]].el.classList.add("selected");
  }

  new ResizeObserver(() => {
    if (layout && Math.abs((body.clientWidth || 0) - layout.width) > 1) place();
  }).observe(body);

  return {
    element,
    setStructure,
    paint,
    setSelected,
    setParamCount(n) { paramsEl.textContent = `${n.toLocaleString("en-US")} weights and biases`; },
    /** Layer parameters of the latest painted snapshot, for the card. */
    layerParams: () => (layout && layout.params) || null,
    structure: () => structure,
  };
}
