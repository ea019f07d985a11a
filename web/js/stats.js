/**
 * The numbers under "Output": test and training loss and accuracy, and the confusion matrix of
 * the test set (rows: true class, columns: predicted class).
 *
 *   const stats = createStats({ metrics: element, confusion: element });
 *   stats.render(snapshot);
 */

import { CLASS_COLORS, rgb } from "./colors.js";

const loss = (v) => (Number.isFinite(v) ? v.toFixed(3) : "–");
const pct = (v) => (Number.isFinite(v) ? (v * 100).toFixed(1) + " %" : "–");

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
    const key = k + ":" + Array.from(data).join(",");
    if (key === confusionKey) return;
    confusionKey = key;
    let total = 0, max = 1;
    for (let i = 0; i < data.length; i++) { total += data[i]; max = Math.max(max, data[i]); }
    const head = Array.from({ length: k }, (_, c) => `<th scope="col"><i class="dot" style="background:${rgb(CLASS_COLORS[c])}"></i>${c}</th>`).join("");
    const rows = Array.from({ length: k }, (_, r) => {
      const cells = Array.from({ length: k }, (_, c) => {
        const v = data[r * k + c];
        const a = v / max;
        const colour = r === c ? `rgba(46,158,72,${0.12 + 0.6 * a})` : (v ? `rgba(214,64,78,${0.12 + 0.6 * a})` : "transparent");
        return `<td style="background:${colour}">${v}</td>`;
      }).join("");
      return `<tr><th scope="row"><i class="dot" style="background:${rgb(CLASS_COLORS[r])}"></i>${r}</th>${cells}</tr>`;
    }).join("");
    confusion.innerHTML = `<table class="confusion-table">
      <caption>Confusion matrix of the ${total} test points: rows are the true class, columns the predicted one</caption>
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
