/**
 * The matrix view of a look inside: the same stage for the whole mini-batch the next training
 * step takes, as the matrices nnpy multiplies (X (10×2) @ W1 (2×4) + b1 → Z1 (10×4) … dW1 = Xᵀ @ dZ1),
 * each a small heat-map table (large ones cut, with a note), beside the lines of nnpy's own
 * source that computed them (read from the installed wheel by the engine: Playground.inside_source).
 *
 *   const view = createMatrices(element);
 *   view.render(batch, source, stage)   // batch: Playground.inside_batch(); stage: as in inside.js
 */

import { NEGATIVE, POSITIVE, rgb } from "../core/colors.js";
import { fmt, maxAbs } from "./format.js";

const MAX_ROWS = 10, MAX_COLS = 10;

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));

/** A matrix from the engine as a heat-map table; `transpose` shows its transpose. */
function table(name, array, { transpose = false } = {}) {
  if (!array) return "";
  const shape = array.shape.length === 1 ? [1, array.shape[0]] : array.shape;
  const [n, m] = transpose ? [shape[1], shape[0]] : shape;
  const get = (i, j) => (transpose ? array.data[j * shape[1] + i] : array.data[i * shape[1] + j]);
  const max = maxAbs(array);
  const rows = Math.min(n, MAX_ROWS), cols = Math.min(m, MAX_COLS);
  // row and column numbers as headers, so a screen reader names each cell by its place
  let html = `<figure class="matrix"><figcaption>${esc(name)} <span class="muted">(${n}×${m})</span></figcaption><table data-matrix="${esc(name)}">`;
  html += `<thead><tr><td></td>${Array.from({ length: cols }, (_, j) => `<th scope="col">${j + 1}</th>`).join("")}</tr></thead><tbody>`;
  for (let i = 0; i < rows; i++) {
    html += `<tr><th scope="row">${i + 1}</th>`;
    for (let j = 0; j < cols; j++) {
      const v = get(i, j);
      const t = Math.min(1, Math.abs(v) / max);
      html += `<td style="background:${rgb(v >= 0 ? POSITIVE : NEGATIVE, 0.08 + 0.6 * t)}" title="${esc(name)}[${i}, ${j}] = ${fmt(v)}">${fmt(v)}</td>`;
    }
    html += "</tr>";
  }
  html += "</tbody></table>";
  if (rows < n || cols < m) {
    html += `<p class="muted matrix-cut">Showing ${rows} of ${n} rows and ${cols} of ${m} columns.</p>`;
  }
  return html + "</figure>";
}

function code(parts) {
  return parts.map((p) => `<figure class="source"><figcaption><code>${esc(p.file)}</code>, from line ${p.start}</figcaption>
    <pre tabindex="0"><code>${esc(p.code)}</code></pre></figure>`).join("");
}

export function createMatrices(element) {
  function render(batch, source, stage) {
    const layers = batch.layers;
    const L = layers.length;
    const k = stage.layer;
    const prev = (l) => (l === 1 ? "X" : `A${l - 1}`);
    let equation, tables, parts;
    if (stage.kind === "forward") {
      const Lr = layers[k - 1];
      equation = `Z${k} = ${prev(k)} @ W${k} + b${k};  A${k} = ${Lr.activation}(Z${k})`;
      tables = table(prev(k), Lr.x) + table(`W${k}`, Lr.W) + table(`b${k}`, Lr.b) + table(`Z${k}`, Lr.z) + table(`A${k}`, Lr.a);
      parts = source.forward;
    } else if (stage.kind === "loss") {
      equation = `L = ${batch.loss_name}(A${L}, Y) = ${fmt(batch.loss)}, the mean over the ${batch.n} samples`
        + (batch.penalty ? ` (plus the weight penalty ${fmt(batch.penalty)})` : "");
      tables = table(`A${L}`, layers[L - 1].a) + table("Y", batch.targets) + table(`dZ${L}`, layers[L - 1].delta);
      parts = source.loss;
    } else if (stage.kind === "backward") {
      const Lr = layers[k - 1];
      equation = `dZ${k} = dA${k} * ${Lr.activation}′(Z${k});  dW${k} = ${prev(k)}ᵀ @ dZ${k};  db${k} = Σ dZ${k}` +
        (k > 1 ? `;  dA${k - 1} = dZ${k} @ W${k}ᵀ` : "");
      tables = (Lr.grad_a ? table(`dA${k}`, Lr.grad_a) : "") + table(`dZ${k}`, Lr.delta) +
        table(`${prev(k)}ᵀ`, Lr.x, { transpose: true }) + table(`dW${k}`, Lr.dW) + table(`db${k}`, Lr.db);
      parts = source.backward;
    } else {
      equation = `W ← W − (the optimizer's step from G), with G = dW + the penalty's gradient: ${batch.optimizer.formula}`;
      tables = layers.map((Lr, i) => table(`G${i + 1}`, Lr.grad_W) + table(`new W${i + 1}`, Lr.new_W)).join("");
      parts = source.update;
    }
    element.innerHTML = `
      <p class="matrix-note">The next training step's mini-batch: ${batch.n} samples (epoch ${batch.epoch}, step ${batch.step + 1}).
        Each row is one sample; the next mini-batch step of training uses exactly these rows.</p>
      <p class="matrix-equation"><code>${esc(equation)}</code></p>
      <div class="matrix-body"><div class="matrix-tables">${tables}</div><div class="matrix-source">${code(parts)}</div></div>`;
  }
  return { render, element };
}
