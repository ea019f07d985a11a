/**
 * The numbers under "Output": test and training loss and accuracy, and the confusion matrix of
 * the test set (rows: true class, columns: predicted class).
 *
 *   const stats = createStats({ metrics: element, confusion: element });
 *   stats.render(snapshot);
 */

import { CLASS_COLORS, rgb } from "../core/colors.js";
import { formatLoss as loss } from "../core/numbers.js";

const pct = (v) => (Number.isFinite(v) ? (v * 100).toFixed(1) + " %" : "–");

function cellColour(r, c, v, max) {
  const a = v / max;
  return r === c ? `rgba(46,158,72,${0.12 + 0.6 * a})` : (v ? `rgba(214,64,78,${0.12 + 0.6 * a})` : "transparent");
}

export function createStats({ metrics, confusion }) {
  const out = {
    testLoss: metrics.querySelector("#test-loss"), trainLoss: metrics.querySelector("#train-loss"),
    testAcc: metrics.querySelector("#test-acc"), trainAcc: metrics.querySelector("#train-acc"),
  };
  let confusionKey = "";
  const set = (node, text) => { if (node.textContent !== text) node.textContent = text; };

  function renderConfusion(matrix) {
    if (!matrix) {
      if (confusionKey !== "none") { confusion.textContent = ""; confusionKey = "none"; }
      return;
    }
    const k = matrix.shape[0];
    const data = matrix.data;
    let total = 0, max = 1;
    for (let i = 0; i < data.length; i++) { total += data[i]; max = Math.max(max, data[i]); }
    const key = k + ":" + total;
    if (key === confusionKey) { // the same table: update the cells in place
      const cells = confusion.querySelectorAll("td");
      cells.forEach((td, i) => {
        const text = String(data[i]);
        if (td.textContent !== text) {
          td.textContent = text;
          td.style.background = cellColour(Math.floor(i / k), i % k, data[i], max);
        }
      });
      return;
    }
    confusionKey = key;
    const head = Array.from({ length: k }, (_, c) => `<th scope="col"><i class="dot" style="background:${rgb(CLASS_COLORS[c])}"></i>${c}</th>`).join("");
    const rows = Array.from({ length: k }, (_, r) => {
      const cells = Array.from({ length: k }, (_, c) => {
        const v = data[r * k + c];
        return `<td style="background:${cellColour(r, c, v, max)}">${v}</td>`;
      }).join("");
      return `<tr><th scope="row"><i class="dot" style="background:${rgb(CLASS_COLORS[r])}"></i>${r}</th>${cells}</tr>`;
    }).join("");
    confusion.innerHTML = `<p class="confusion-title">Confusion matrix of the ${total} test points: rows are the true class, columns the predicted one.</p>
      <table class="confusion-table" aria-label="Confusion matrix of the test set">
      <thead><tr><th scope="col"><span class="visually-hidden">true \\ predicted</span></th>${head}</tr></thead>
      <tbody>${rows}</tbody></table>`;
  }

  return {
    render(snapshot) {
      set(out.testLoss, loss(snapshot.loss.test));
      set(out.trainLoss, loss(snapshot.loss.train));
      const acc = snapshot.accuracy;
      metrics.classList.toggle("no-accuracy", !acc);
      set(out.testAcc, acc ? pct(acc.test) : "–");
      set(out.trainAcc, acc ? pct(acc.train) : "–");
      renderConfusion(snapshot.confusion);
    },
  };
}
