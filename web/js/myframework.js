/**
 * "Train with my framework": the 2-D playground on the student's own modules from the workshop.
 *
 * The workshop's button sets a flag in this tab's sessionStorage and opens the playground; only
 * then does the playground read the student's files (kept by the workshop in this browser's
 * localStorage) and hand them to the engine (Playground.use_framework), before the first
 * configure. A link alone never runs code: without the flag the page trains on nnpy.
 *
 *   const mine = requested();                     // null, or {files}
 *   if (mine) useMyFramework(engine, mine, banner);
 */
const FLAG = "nnpy.workshop.train";
const STORE = "nnpy.workshop.v1";
const FILES = ["activations", "losses", "layers", "model", "trainer"];

/** Ask for the student's framework in this tab (the workshop's button calls this). */
export function request() {
  sessionStorage.setItem(FLAG, "1");
}

/** {files: {name.py: text}} when this tab asked for the student's framework, else null. */
export function requested() {
  let flag = null;
  let kept = null;
  try {
    flag = sessionStorage.getItem(FLAG);
    kept = JSON.parse(localStorage.getItem(STORE) || "null");
  } catch {
    return null;
  }
  if (flag !== "1") return null;
  const files = {};
  for (const id of FILES) {
    const text = kept && kept.code && kept.code[id];
    if (typeof text === "string") files[`${id}.py`] = text;
  }
  return { files };
}

function stopUsing() {
  sessionStorage.removeItem(FLAG);
  location.reload();
}

/** The page's text for a student's failure: {function, step, file, line, error: {text}}. */
export function describeFailure(failure) {
  const where = failure.file ? ` (${failure.file}${failure.line ? `, line ${failure.line}` : ""})` : "";
  const last = ((failure.error && failure.error.text) || "").split("\n").filter(Boolean).pop() || "";
  return `Your ${failure.function || "framework"}${where} failed: ${last}`;
}

/** A link back to the workshop's step for a failure. */
export function backLink(failure) {
  const a = document.createElement("a");
  a.className = "button-link";
  const step = failure.step || "activations";
  a.href = `workshop.html#step=${encodeURIComponent(step)}`;
  a.textContent = `Fix it in the workshop: ${step}.py`;
  return a;
}

/**
 * Hand the files to the engine and show what happened in `banner` (its .banner-text and
 * .banner-actions). Resolves with true when the playground now trains on the student's code.
 */
export async function useMyFramework(engine, { files }, banner) {
  const text = banner.querySelector(".banner-text");
  const actions = banner.querySelector(".banner-actions");
  const off = document.createElement("button");
  off.type = "button";
  off.textContent = "Use nnpy's framework";
  off.addEventListener("click", stopUsing);
  const back = document.createElement("a");
  back.className = "button-link";
  back.href = "workshop.html";
  back.textContent = "Back to the workshop";
  banner.hidden = false;
  text.textContent = "Loading your framework from the workshop…";
  actions.replaceChildren(back, off);
  let out;
  try {
    out = await engine.call("use_framework", { files });
  } catch (err) {
    text.textContent = `Your framework could not be loaded: ${err.message}. The playground trains on nnpy's.`;
    return false;
  }
  if (!out.ok) {
    text.textContent = `${out.error.function ? describeFailure(out.error) : out.message} ` +
      "The playground trains on nnpy's framework until it is fixed.";
    actions.replaceChildren(backLink(out.error), off);
    banner.classList.add("failed");
    return false;
  }
  text.textContent = "Training with your framework: your DenseLayer, SequentialModel, Trainer, activations " +
    "and losses from the workshop (SGD; the optimizer and regularisation controls need nnpy's).";
  return true;
}
