/**
 * The confusion matrix as a table: rows the true digit, columns the network's answer. Cells are
 * shaded by their share of the row; each non-empty cell is a button that filters the digit grid.
 * The buttons are one tab stop (the chosen cell's, else the first): the arrow keys move to the next
 * non-empty cell that way, Home and End along the row, and the focus stays on a cell through a render.
 *
 *   const cm = createConfusion(element, { onCell: (trueDigit, predicted) => ... });
 *   cm.render(evaluation);     // evaluate()'s result: confusion {data, shape}, test_accuracy
 */

import { createRoving } from "../core/roving.js";

const KEYS = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };

export function createConfusion(element, { onCell }) {
  element.innerHTML = '<p class="hint">Train the network to see which digits it confuses.</p>';
  let selected = null;
  const cellButton = (i, j) => element.querySelector(`button[data-cell="${i},${j}"]`);
  const roving = createRoving(element, { selector: "button[data-cell]", target: (b, key) => {
    const [i, j] = b.dataset.cell.split(",").map(Number);
    const n = element.querySelectorAll("tbody tr").length;
    if (key === "Home" || key === "End") {
      const row = [...element.querySelectorAll(`button[data-cell^="${i},"]`)];
      return key === "Home" ? row[0] : row[row.length - 1];
    }
    const [di, dj] = KEYS[key];
    for (let k = 1; k < n; k++) {   // the next non-empty cell that way, if any
      const r = i + di * k, c = j + dj * k;
      if (r < 0 || c < 0 || r >= n || c >= n) break;
      const to = cellButton(r, c);
      if (to) return to;
    }
    return null;
  } });
  return {
    render(ev) {
      const had = element.contains(document.activeElement) && document.activeElement.dataset.cell;
      const n = ev.confusion.shape[0];
      const m = ev.confusion.data;
      const table = document.createElement("table");
      table.className = "confusion-table mn-cm";
      table.innerHTML = `<caption>${ev.test_size.toLocaleString("en")} test digits, ${ev.mistakes.toLocaleString("en")} wrong: rows are the true digit, columns the network's answer</caption>`;
      const head = table.createTHead().insertRow();
      head.innerHTML = '<th scope="col"><span class="visually-hidden">true digit</span><span aria-hidden="true">true ↓ / answer →</span></th>';
      for (let j = 0; j < n; j++) head.insertAdjacentHTML("beforeend", `<th scope="col">${j}</th>`);
      const body = table.createTBody();
      for (let i = 0; i < n; i++) {
        const row = body.insertRow();
        row.insertAdjacentHTML("beforeend", `<th scope="row">${i}</th>`);
        let rowSum = 0;
        for (let j = 0; j < n; j++) rowSum += m[i * n + j];
        for (let j = 0; j < n; j++) {
          const count = m[i * n + j];
          const cell = row.insertCell();
          const share = rowSum ? count / rowSum : 0;
          cell.dataset.count = String(count);
          if (i === j) {
            cell.className = "diag";
            cell.style.background = `rgba(8, 119, 189, ${(0.12 + 0.6 * share).toFixed(3)})`;
          } else if (count) {
            cell.className = "off-diag";
            cell.style.background = `rgba(217, 48, 37, ${Math.min(0.75, 0.1 + 3 * share).toFixed(3)})`;
          }
          if (count) {
            const b = document.createElement("button");
            b.type = "button";
            b.textContent = String(count);
            b.dataset.cell = `${i},${j}`;
            b.tabIndex = -1;
            b.setAttribute("aria-label", `${count} test digit${count === 1 ? "" : "s"} ${i} answered as ${j}: show them`);
            if (selected && selected[0] === i && selected[1] === j) b.setAttribute("aria-pressed", "true");
            b.addEventListener("click", () => { selected = [i, j]; onCell(i, j); this.render(ev); });
            cell.append(b);
          } else {
            cell.textContent = "·";
            cell.setAttribute("aria-label", "0");
          }
        }
      }
      element.replaceChildren(table);
      const chosen = selected && table.querySelector(`button[data-cell="${selected[0]},${selected[1]}"]`);
      const back = had && (table.querySelector(`button[data-cell="${had}"]`) || chosen || table.querySelector("button[data-cell]"));
      roving.settle(chosen, back); // the cell a key chose keeps the focus through the new table
    },
    clearSelection() { selected = null; },
    clear() { selected = null; element.innerHTML = '<p class="hint">Train the network to see which digits it confuses.</p>'; },
  };
}
