/**
 * The grid of test digits with the network's answers. Mistakes are outlined in red with the
 * answer and the truth; a filter shows only mistakes, or one confusion-matrix cell. Each digit is
 * a button: it puts that digit on the drawing canvas. The buttons are one tab stop (as the
 * confusion matrix's, js/core/roving.js): ← → move one digit, ↑ ↓ one row, Home and End to the
 * first and last; the focus keeps its place through a re-drawn page.
 *
 *   const grid = createDigits(elements, { fetchPage: (filter, offset, limit) => engine.call(...),
 *                                         onPick: (uint8Image784, { index, label }) => ... });
 *   grid.refresh();  grid.setCell(true, predicted);  grid.clearFilter();
 */

import { digitCanvas, paintDigit } from "./images.js";
import { createRoving } from "../core/roving.js";

export const PAGE_SIZE = 48;

export function createDigits({ grid, onlyMistakes, showAll, caption, prev, next, pageLabel }, { fetchPage, onPick }) {
  let offset = 0;
  let total = 0;
  let cell = null; // [true, predicted] or null
  let pending = null;
  let lastShown = null;
  const buttons = () => [...grid.querySelectorAll("button.mn-digit")];
  const roving = createRoving(grid, { selector: "button.mn-digit", target: (from, key) => {
    const all = buttons();
    const i = all.indexOf(from);
    const columns = all.filter((b) => b.offsetTop === all[0].offsetTop).length || 1;
    const to = { ArrowLeft: i - 1, ArrowRight: i + 1, ArrowUp: i - columns, ArrowDown: i + columns,
      Home: 0, End: all.length - 1 }[key];
    return all[to] || null;
  } });

  const filter = () => ({
    only_mistakes: onlyMistakes.checked,
    true: cell ? cell[0] : null,
    predicted: cell ? cell[1] : null,
  });

  async function refresh() {
    const request = { ...filter(), offset, limit: PAGE_SIZE };
    pending = request;
    const page = await fetchPage(request);
    if (pending !== request) return; // a newer request is on its way
    show(page);
  }

  function show(page) {
    const had = grid.contains(document.activeElement) ? buttons().indexOf(document.activeElement) : -1;
    lastShown = page;
    total = page.total;
    const trueDigits = page.true.data;
    const predicted = page.predicted.data;
    const confidence = page.confidence.data;
    const k = trueDigits.length;
    const frag = document.createDocumentFragment();
    for (let i = 0; i < k; i++) {
      const t = trueDigits[i];
      const p = predicted[i];
      const wrong = t !== p;
      const b = document.createElement("button");
      b.type = "button";
      b.className = "mn-digit" + (wrong ? " wrong" : "");
      Object.assign(b.dataset, { index: page.index.data[i], predicted: p, confidence: confidence[i] }); // for tests
      const conf = Math.round(confidence[i] * 100);
      b.setAttribute("aria-label", wrong  // starts with the text it shows ("5 3"), as speech input needs
        ? `${p} ${t}: answered ${p} for a ${t} (${conf} % sure), wrong. Put it on the canvas`
        : `${p}: answered ${p} for a ${t} (${conf} % sure). Put it on the canvas`);
      b.title = wrong ? `true ${t}, answered ${p} (${conf} %)` : `${t} (${conf} %)`;
      const c = digitCanvas();
      c.setAttribute("aria-hidden", "true");
      paintDigit(c, page.images.data, i * 784, 1 / 255);
      const label = document.createElement("span");
      label.className = "mn-digit-label";
      label.innerHTML = wrong ? `<b>${p}</b> <s aria-hidden="true">${t}</s>` : `${p}`;
      b.append(c, label);
      b.addEventListener("click", () => onPick(page.images.data.subarray(i * 784, (i + 1) * 784),
        { index: page.index.data[i], label: page.true.data[i] }));
      frag.append(b);
    }
    grid.replaceChildren(frag);
    const all = buttons();
    roving.settle(null, had >= 0 ? all[Math.min(had, all.length - 1)] || null : null);
    if (!k) grid.innerHTML = `<p class="hint">${onlyMistakes.checked || cell ? "No digits match: no mistakes here." : "No digits."}</p>`;
    const what = cell ? `true ${cell[0]}, answered ${cell[1]}` : onlyMistakes.checked ? "mistakes only" : "all test digits";
    caption.textContent = `${total.toLocaleString("en")} digit${total === 1 ? "" : "s"} (${what}; ${page.mistakes.toLocaleString("en")} mistakes in all). Red: the network's answer is wrong, the true digit struck through.`;
    pageLabel.textContent = total ? `${offset + 1}–${offset + k} of ${total.toLocaleString("en")}` : "";
    prev.disabled = offset === 0;
    next.disabled = offset + PAGE_SIZE >= total;
    showAll.hidden = !cell;
  }

  onlyMistakes.addEventListener("change", () => { cell = null; offset = 0; refresh(); });
  showAll.addEventListener("click", () => { cell = null; offset = 0; refresh(); });
  prev.addEventListener("click", () => { offset = Math.max(0, offset - PAGE_SIZE); refresh(); });
  next.addEventListener("click", () => { if (offset + PAGE_SIZE < total) { offset += PAGE_SIZE; refresh(); } });

  return {
    refresh,
    setCell(t, p) { cell = [t, p]; offset = 0; return refresh(); },
    reset() { cell = null; offset = 0; },
    get cell() { return cell; },
    lastPage: () => lastShown,
  };
}
