/**
 * The code panel: the nnpy and the PyTorch script that reproduce this run (the same data, initial
 * weights, batches and settings; see nnpy/browser/codegen.py), to read, copy and download, with the
 * initial weights the PyTorch script loads, and the nnpy script as a Jupyter notebook (.ipynb, see
 * nnpy/browser/notebook.py) whose first cell installs nnpy from this site's wheel where it is missing.
 *
 *   const code = createCodePanel(document, { loop, getConfig, isFatal, onFatal });
 *   code.frame(frame);        // every frame the page draws: refreshes, once paused, if the run changed
 *   code.setPlaying(playing); // while training the panel says it updates on pause
 *   code.open();              // the header's Code button: open, scroll to it, focus the tab
 *
 * The scripts come from the engine's `code()` when the panel opens, and again when training
 * pauses or the setup changes while it is open; never while training runs, so the worker keeps
 * training and the page keeps drawing. A script with the user's own points embedded can be a few
 * hundred kB: it is set only when it changed.
 *
 * Syntax colours come from highlight.js (its core and Python grammar, which build.py vendors into
 * vendor/highlight/), loaded when the panel first opens. Its HTML is parsed in an inert <template>
 * and used only if it is nothing but <span class="hljs-…"> around text that is exactly the script
 * (see highlightNodes); otherwise, or if the library does not load, the script is one text node.
 * Either way the view's textContent is the script, and copy and download use the script itself.
 * Only the visible tab's script is highlighted, once per script text. For the largest script (the
 * user's own 5,000 points embedded: 173 kB, 2,200 lines) that takes 2-7 ms in Chromium on a CI
 * machine, next to the ~15 ms the browser takes to lay out the text itself, so it is done at once.
 */

import { download, messageOf } from "../core/status.js";

const HIGHLIGHT_CORE = new URL("../../vendor/highlight/core.min.js", import.meta.url).href;
const HIGHLIGHT_PYTHON = new URL("../../vendor/highlight/python.min.js", import.meta.url).href;
const HLJS_CLASS = /^hljs-[\w-]+(?: [\w-]+)*$/;  // "hljs-string", "hljs-title function_"
let highlighter = null;  // a promise of highlight.js with Python, or of null if it did not load

/** highlight.js with its Python grammar, imported once; null (and a console warning) if it fails. */
export function loadHighlighter() {
  highlighter ??= Promise.all([import(HIGHLIGHT_CORE), import(HIGHLIGHT_PYTHON)]).then(([core, python]) => {
    const hljs = core.default.newInstance();
    hljs.registerLanguage("python", python.default);
    return hljs;
  }).catch((err) => {
    console.warn(`The code panel shows the scripts without colours: ${messageOf(err)}`);
    return null;
  });
  return highlighter;
}

/**
 * `source` (Python) as a fragment of highlighted nodes of `doc`, or null if it cannot be trusted.
 * highlight.js escapes its input; on top of that its HTML is parsed in a <template> (inert: nothing
 * in it loads or runs) and accepted only if every element is a <span> whose one attribute is an hljs
 * class, and its text is `source` exactly. So nothing of the script is ever markup on the page.
 */
export function highlightNodes(doc, hljs, source) {
  let html;
  try {
    html = hljs.highlight(source, { language: "python", ignoreIllegals: true }).value;
  } catch (err) {
    console.warn(`The code panel shows the script without colours: ${messageOf(err)}`);
    return null;
  }
  const template = doc.createElement("template");
  template.innerHTML = html;
  const nodes = template.content;
  if (nodes.textContent !== source) return null;
  const walker = doc.createTreeWalker(nodes, NodeFilter.SHOW_ELEMENT);
  for (let el = walker.nextNode(); el; el = walker.nextNode()) {
    if (el.localName !== "span" || el.attributes.length !== 1 || !HLJS_CLASS.test(el.getAttribute("class") ?? "")) {
      return null;
    }
  }
  return nodes;
}

const KINDS = {
  python: {
    label: "nnpy",
    about: "Run it with Python where nnpy is installed: it trains the same network on the same data, " +
      "batch by batch, and prints its loss and accuracy beside this page's: the first epochs agree to about 1e-9, " +
      "later ones may drift (NumPy here and there round differently in the last bit). As a notebook (Jupyter, " +
      "Colab) it also draws the training curves.",
  },
  pytorch: {
    label: "PyTorch",
    about: "Needs torch, numpy and safetensors. Save the initial weights beside the script: it loads them, " +
      "trains in float64 with nnpy's batch order, and prints what this page shows, up to rounding.",
  },
};
const DEBOUNCE_MS = 200;

let wheel = null;  // a promise of this site's nnpy wheel address (build-info.json), or of null
/** The address of the nnpy wheel this site serves, which the notebook installs in Colab; null if unknown. */
function pageWheel() {
  wheel ??= fetch(new URL("build-info.json", document.baseURI), { cache: "no-cache" })
    .then((r) => (r.ok ? r.json() : null))
    .then((info) => (info && typeof info.wheel === "string" ? new URL(info.wheel, document.baseURI).href : null))
    .catch(() => null);
  return wheel;
}

/** A cheap fingerprint of the weights: any edit or training step changes it. */
function fingerprint(params) {
  let a = 0, b = 0;
  for (let i = 0; i < params.length; i++) { a += params[i]; b += params[i] * ((i % 97) + 1); }
  return `${params.length}:${a}:${b}`;
}

export function createCodePanel(root, { loop, getConfig, isFatal, onFatal }) {
  const $ = (id) => root.getElementById(id);
  const section = $("code-panel"), body = $("code-body"), toggle = $("code-toggle"), headerButton = $("code-button");
  const tabs = [...section.querySelectorAll('[role="tab"]')];
  const view = $("code-view"), text = $("code-text"), status = $("code-status"), about = $("code-about");
  const copyButton = $("code-copy"), downloadButton = $("code-download"), weightsButton = $("code-weights");
  const notebookButton = $("code-notebook");
  const copied = $("code-copied");

  let kind = "python";
  let result = null;      // the last code() answer
  let shownFor = null;    // the run it was made for (a key, see runKey)
  let latest = null;      // the last frame drawn
  let playing = false;
  let busy = false, again = false, timer = null;
  let failure = "";
  let hljs = null;        // highlight.js, once loaded
  let shown = { script: null, by: null };  // the script in the view, and the highlighter it went through

  const isOpen = () => !body.hidden;

  function runKey(frame) {
    if (!frame) return null;
    const s = frame.snapshot;
    return [s.epoch, s.step, fingerprint(s.params.data), JSON.stringify(getConfig()), frame.network, frame.points];
  }
  const sameKey = (a, b) => Boolean(a && b) && a.every((v, i) => v === b[i]);

  function setOpen(open) {
    body.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    headerButton.setAttribute("aria-expanded", String(open));
    toggle.textContent = open ? "Hide the code" : "Show the code for this run";
    if (open) {
      loadHighlighter().then((h) => {
        hljs = h;
        if (h) showScript();
      });
      refresh(true);
    }
  }

  /** The visible tab's script in the view, highlighted once the library is there; only on a change. */
  function showScript() {
    const script = result ? result[kind] : "";
    if (shown.script === script && shown.by === hljs) return;
    const nodes = hljs && script ? highlightNodes(text.ownerDocument, hljs, script) : null;
    if (nodes) text.replaceChildren(nodes);
    else text.textContent = script;
    shown = { script, by: hljs };
  }

  function render() {
    showScript();
    about.textContent = KINDS[kind].about;
    for (const tab of tabs) {
      const on = tab.dataset.kind === kind;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      if (on) view.setAttribute("aria-labelledby", tab.id);
    }
    const files = result ? result.files : null;
    copyButton.disabled = downloadButton.disabled = weightsButton.disabled = notebookButton.disabled = !result;
    downloadButton.textContent = files ? `Download ${files[kind]}` : "Download";
    weightsButton.hidden = kind !== "pytorch";
    notebookButton.hidden = kind !== "python";
    notebookButton.textContent = `Download as a notebook${files ? ` (${files.notebook})` : ""}`;
    weightsButton.textContent = `Download the initial weights${files ? ` (${files.weights})` : ""}`;
    renderStatus();
  }

  function renderStatus() {
    status.classList.toggle("error", Boolean(failure));
    const line = statusLine();
    if (status.textContent !== line) status.textContent = line; // a live region: only real changes
  }

  function statusLine() {
    if (failure) return failure;
    if (!result) return busy ? "Writing the code…" : "";
    const { lines, length } = result.sizes[kind];
    const size = length >= 10_000 ? `, ${Math.round(length / 1000)} kB` : "";
    const when = playing ? " Training: the code updates when you pause."
      : busy || !sameKey(shownFor, runKey(latest)) ? " Updating…" : "";
    return `Made for this run at epoch ${result.epoch.toLocaleString("en-US")} (${lines} lines${size}).${when}`;
  }

  /** Fetch the scripts now (`force`) or, once paused, if the run changed since they were made. */
  function refresh(force = false) {
    if (!isOpen()) return;
    if (!force && (playing || sameKey(shownFor, runKey(latest)))) { renderStatus(); return; }
    clearTimeout(timer);
    timer = setTimeout(fetchCode, force ? 0 : DEBOUNCE_MS);
    renderStatus();
  }

  async function fetchCode() {
    if (busy) { again = true; return; }
    busy = true;
    again = false;
    renderStatus();
    const key = runKey(latest);
    try {
      const r = await loop.query("code", { wheel_url: await pageWheel() });
      const sizes = {};
      for (const k of Object.keys(KINDS)) sizes[k] = { lines: r[k].split("\n").length - 1, length: r[k].length };
      // the epoch the engine wrote it for (training may have gone on while the call waited)
      const m = /-epoch(\d+)\.safetensors$/.exec(r.files.trained);
      result = { ...r, sizes, epoch: m ? Number(m[1]) : latest ? latest.snapshot.epoch : 0 };
      shownFor = key;
      failure = "";
    } catch (err) {
      if (isFatal(err)) onFatal(err);
      failure = `Could not write the code: ${messageOf(err)}`;
    }
    busy = false;
    render();
    if (again || (!playing && !sameKey(shownFor, runKey(latest)) && !failure)) refresh();
  }

  // ------------------------------------------------------------- actions
  toggle.addEventListener("click", () => setOpen(body.hidden));
  headerButton.addEventListener("click", () => {
    if (body.hidden) setOpen(true);
    section.scrollIntoView({ block: "start", behavior: "smooth" });
    tabs.find((t) => t.dataset.kind === kind).focus({ preventScroll: true });
  });
  for (const tab of tabs) {
    tab.addEventListener("click", () => { kind = tab.dataset.kind; copied.textContent = ""; render(); });
    tab.addEventListener("keydown", (e) => {
      const i = tabs.indexOf(tab);
      const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
      if (next === undefined) return;
      e.preventDefault();
      const to = tabs[(next + tabs.length) % tabs.length];
      to.focus();
      to.click();
    });
  }
  copyButton.addEventListener("click", async () => {
    if (!result) return;
    try {
      await navigator.clipboard.writeText(result[kind]);
      copied.textContent = `Copied the ${KINDS[kind].label} script.`;
    } catch {
      const range = document.createRange();
      range.selectNodeContents(text);
      const selection = getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      copied.textContent = "Press Ctrl+C (⌘C) to copy the selected script.";
    }
  });
  downloadButton.addEventListener("click", () => {
    if (result) download(result[kind], result.files[kind], "text/x-python");
  });
  notebookButton.addEventListener("click", () => {
    if (result) download(result.notebook, result.files.notebook, "application/x-ipynb+json");
  });
  weightsButton.addEventListener("click", () => {
    if (result) download(result.weights.data, result.files.weights, "application/octet-stream");
  });

  render();
  return {
    frame(frame) {
      latest = frame;
      if (isOpen()) refresh();
    },
    setPlaying(value) {
      playing = value;
      if (isOpen()) refresh();
    },
    open() { headerButton.click(); },
  };
}
