/**
 * The confusion matrix as a table: rows the true digit, columns the network's answer. Cells are
 * shaded by their share of the row; each non-empty cell is a button that filters the digit grid.
 *
 *   const cm = createConfusion(element, { onCell: (trueDigit, predicted) => ... });
 *   cm.render(evaluation);     // evaluate()'s result: confusion {data, shape}, test_accuracy
 */

export function createConfusion(element, { onCell }) {
  element.innerHTML = '<p class="hint">Train the network to see which digits it confuses.</p>';
  let selected = null;
  return {
    render(ev) {
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
    },
    clearSelection() { selected = null; },
    clear() { selected = null; element.innerHTML = '<p class="hint">Train the network to see which digits it confuses.</p>'; },
  };
}
