/**
 * A check run as the page shows it: one item per check (passed or not), the failure's summary,
 * its input / expected / got rows, the numeric and the student's gradient side by side, the hint,
 * and a traceback of the student's own lines with a button to each line. Text only: nothing from
 * a result is parsed as HTML.
 */
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

/** A traceback (the student's own frames) with "line N" buttons. */
function errorBlock(error, goToLine) {
  const box = el("div", "check-error");
  for (const fr of error.frames || []) {
    const row = el("div", "frame");
    const where = `${fr.file}, line ${fr.line}` + (fr.function ? `, in ${fr.function}` : "");
    if (goToLine && fr.line) {
      const go = el("button", "link-button frame-link", where);
      go.type = "button";
      go.title = `Show line ${fr.line} of ${fr.file} in the editor`;
      go.addEventListener("click", () => goToLine(fr.file, fr.line));
      row.append(go);
    } else {
      row.append(el("span", "", where));
    }
    if (fr.code) row.append(el("code", "frame-code", fr.code));
    box.append(row);
  }
  const last = (error.text || "").split("\n").pop();
  box.append(el("pre", "error-line", last || `${error.type}: ${error.message}`));
  return box;
}

function failureBlock(failure) {
  const box = el("div", "check-failure");
  if (failure.rows && failure.rows.length) {
    const table = el("dl", "check-rows");
    for (const [label, value] of failure.rows) {
      table.append(el("dt", "", label), el("dd", "", ""));
      table.lastChild.append(el("pre", "", value));
    }
    box.append(table);
  }
  if (failure.gradient) {
    const g = failure.gradient;
    const grid = el("div", "gradients");
    grid.setAttribute("role", "group");
    grid.setAttribute("aria-label", `${g.name}: numeric and yours`);
    const left = el("figure", "gradient");
    left.append(el("figcaption", "", "numeric (central differences)"), el("pre", "", g.numeric));
    const right = el("figure", "gradient yours");
    right.append(el("figcaption", "", "yours"), el("pre", "", g.yours));
    grid.append(left, right);
    box.append(grid);
  }
  if (failure.hint) box.append(el("p", "check-hint", `Hint: ${failure.hint}`));
  return box;
}

/**
 * Render a check run into `list`.
 * @param {HTMLElement} list an <ol>
 * @param {object} run what Workshop.check returned
 * @param {{goToLine: Function, loadError?: Function}} actions
 */
export function renderResults(list, run, { goToLine, openStep }) {
  list.replaceChildren();
  if (run.load_error) {
    const { file, step, error } = run.load_error;
    const item = el("li", "check failed");
    item.append(el("p", "check-title", `${file} does not load`));
    item.append(errorBlock(error, goToLine));
    if (step !== run.step && openStep) {
      const back = el("button", "", `Open ${file}`);
      back.type = "button";
      back.addEventListener("click", () => openStep(step, error.line));
      item.append(back);
    }
    list.append(item);
    return;
  }
  for (const r of run.results) {
    const item = el("li", `check ${r.ok ? "passed" : "failed"}`);
    const title = el("p", "check-title");
    title.append(el("span", "mark", r.ok ? "✓" : "✗"), el("span", "visually-hidden", r.ok ? "passed: " : "failed: "),
      document.createTextNode(r.title));
    item.append(title);
    if (r.failure) {
      item.append(el("p", "check-summary", r.failure.summary));
      item.append(failureBlock(r.failure));
    }
    if (r.error) {
      if (!r.failure) item.append(el("p", "check-summary", "Your code raised an error:"));
      item.append(errorBlock(r.error, goToLine));
    }
    list.append(item);
  }
}
