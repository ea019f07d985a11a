/**
 * The confusion matrix as a table: rows the true digit, columns the network's answer. Cells are
 * shaded by their share of the row; each non-empty cell is a button that filters the digit grid.
 * The buttons are one tab stop (the chosen cell's, else the first): the arrow keys move to the next
 * non-empty cell that way, Home and End along the row, and the focus stays on a cell through a render.
 *
 *   const cm = createConfusion(element, { onCell: (trueDigit, predicted) => ... });
 *   cm.render(evaluation);     // evaluate()'s result: confusion {data, shape}, test_accuracy
 */

const KEYS = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };

export function createConfusion(element, { onCell }) {
  element.innerHTML = '<p class="hint">Train the network to see which digits it confuses.</p>';
  let selected = null;
  const cellButton = (i, j) => element.querySelector(`button[data-cell="${i},${j}"]`);
  element.addEventListener("keydown", (e) => {
    const b = e.target.closest && e.target.closest("button[data-cell]");
    if (!b || !(e.key in KEYS || e.key === "Home" || e.key === "End")) return;
    e.preventDefault();
    const [i, j] = b.dataset.cell.split(",").map(Number);
    const n = element.querySelectorAll("tbody tr").length;
    let to = null;
    if (e.key === "Home" || e.key === "End") {
      const row = [...element.querySelectorAll(`button[data-cell^="${i},"]`)];
      to = e.key === "Home" ? row[0] : row[row.length - 1];
    } else {
      const [di, dj] = KEYS[e.key];
      for (let k = 1; k < n && !to; k++) {   // the next non-empty cell that way, if any
        const r = i + di * k, c = j + dj * k;
        if (r < 0 || c < 0 || r >= n || c >= n) break;
        to = cellButton(r, c);
      }
    }
    if (!to) return;
    b.tabIndex = -1;
    to.tabIndex = 0;
    to.focus();
  });
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
      const first = table.querySelector("button[data-cell]");
      const stop = (selected && table.querySelector(`button[data-cell="${selected[0]},${selected[1]}"]`)) || first;
      if (stop) stop.tabIndex = 0;
      const back = had && table.querySelector(`button[data-cell="${had}"]`);
      if (back) { stop.tabIndex = -1; back.tabIndex = 0; back.focus(); }   // the cell a key chose, through the new table
      else if (had && stop) stop.focus();
    },
    clearSelection() { selected = null; },
    clear() { selected = null; element.innerHTML = '<p class="hint">Train the network to see which digits it confuses.</p>'; },
  };
}
