/**
 * Weights and links leave the page: Share (the permalink: the state lives in the URL hash),
 * Export (the model as an nnpy file, the trained weights as safetensors), Import (a model file
 * saved by this page or by nnpy in CPython, from the picker or dropped on the page; a dropped CSV
 * goes to the user's-data loader). Every engine call goes through the training loop.
 *
 *   createFiles(document, { loop, getState, onImported, csvFile, isFatal, onFatal });
 *   onImported(result) -> boolean: the page took the imported state (result.state, an engine state)
 *
 * Messages go to one status line under the header (#file-status): "Loaded f.nnpy: ..." or
 * "Could not import f.nnpy: <the engine's reason>. Your model is unchanged."
 */

import { SCHEMA } from "../core/settings.js";
import { createShare } from "../core/share.js";
import { download, messageOf } from "../core/status.js";

/** The page refuses bigger files without reading them (the engine's limit is the same). */
export const MAX_MODEL_BYTES = SCHEMA.pages.playground.max_file_bytes;

/** The sentence for a refused import; the engine's reason usually starts with the file's name. */
export function importFailure(name, reason) {
  let why = reason;
  if (why.startsWith(`${name}: `)) why = why.slice(name.length + 2);
  else if (why.startsWith(`${name} `)) why = "it " + why.slice(name.length + 1);
  if (/^(is|has|holds|was|does|takes)\b/.test(why)) why = `it ${why}`; // "is truncated" -> "it is truncated"
  return `Could not import ${name}: ${why.replace(/\.$/, "")}. Your model is unchanged.`;
}

function megabytes(bytes) {
  return `${(bytes / 2 ** 20).toFixed(1)} MB`;
}

export function createFiles(root, { loop, getState, onImported, csvFile, isFatal, onFatal }) {
  const $ = (id) => root.getElementById(id);
  const statusBox = $("file-status"), statusText = $("file-status-text");
  const exportPanel = $("export-panel"), exportButton = $("export-button");
  const picker = $("model-file");

  // ------------------------------------------------------------- the status line
  function say(text, isError = false) {
    statusText.textContent = text;
    statusBox.classList.toggle("error", isError);
    statusBox.classList.toggle("shown", Boolean(text));
  }
  $("file-status-close").addEventListener("click", () => say(""));

  // ------------------------------------------------------------- share (one of the two panels open)
  function showExport(open) {
    exportPanel.hidden = !open;
    exportButton.setAttribute("aria-expanded", String(open));
  }
  const share = createShare({
    button: $("share-button"), panel: $("share-panel"), link: $("share-link"), copy: $("share-copy"),
    copied: $("share-copied"), close: $("share-close"), onOpen: () => showExport(false),
  });

  // ------------------------------------------------------------- export
  const exportStatus = $("export-status");
  exportButton.addEventListener("click", () => {
    share.close();
    showExport(exportPanel.hidden);
    exportStatus.textContent = "";
  });
  $("export-close").addEventListener("click", () => { showExport(false); exportButton.focus(); });
  // Escape closes it and gives the focus back: in the panel, or on Export (where the focus stays as it opens)
  const escape = (e) => {
    if (e.key !== "Escape" || exportPanel.hidden) return;
    e.stopPropagation();
    showExport(false);
    exportButton.focus();
  };
  exportPanel.addEventListener("keydown", escape);
  exportButton.addEventListener("keydown", escape);

  async function exporting(what, make) {
    exportStatus.textContent = `Preparing the ${what}…`;
    try {
      const { data, filename } = await make();
      download(data, filename, "application/octet-stream");
      exportStatus.textContent = `Downloaded ${filename}.`;
    } catch (err) {
      if (isFatal(err)) { exportStatus.textContent = ""; onFatal(err); return; }
      exportStatus.textContent = `Could not export: ${messageOf(err)}`;
    }
  }
  $("export-nnpy").addEventListener("click", () => exporting("model file", async () => {
    const r = await loop.query("export_model");
    return { data: r.data.data, filename: r.filename };
  }));
  $("export-safetensors").addEventListener("click", () => exporting("weights", async () => {
    const r = await loop.query("code");
    return { data: r.trained.data, filename: r.files.trained };
  }));

  // ------------------------------------------------------------- import
  let importing = 0; // a counter: a second file while the first loads wins
  async function importModel(file) {
    const ticket = ++importing;
    if (file.size > MAX_MODEL_BYTES) {
      say(`Could not import ${file.name}: it is ${megabytes(file.size)}; a playground model file is at most ` +
        `${MAX_MODEL_BYTES / 2 ** 20} MB. Your model is unchanged.`, true);
      return;
    }
    say(`Loading ${file.name}…`);
    await loop.settle(); // the epoch shown is the engine's: nothing trains behind the import
    let data;
    try {
      data = new Uint8Array(await file.arrayBuffer());
    } catch (err) {
      say(`Could not read ${file.name}: ${err.message}. Your model is unchanged.`, true);
      return;
    }
    let result;
    try {
      result = await loop.edit("import_model", { data, name: file.name });
    } catch (err) {
      if (isFatal(err)) { say(""); onFatal(err); return; }
      if (ticket === importing) say(importFailure(file.name, messageOf(err)), true);
      return;
    }
    // a change made while the file loaded (another import, a new setting) replaced it already
    if (ticket !== importing || loop.network !== result.network || !onImported(result)) {
      if (ticket === importing) say(`${file.name} was loaded, but a later change replaced it.`, true);
      return;
    }
    say(result.message);
  }

  /** A file from the picker or a drop: CSV files are data, anything else a model. */
  function open(file) {
    if (/\.csv$/i.test(file.name) || file.type === "text/csv") {
      if (getState().hide.includes("userData")) {
        say(`This link hides the upload of your own data, so ${file.name} was not used.`, true);
        return;
      }
      say("");
      csvFile(file);
      return;
    }
    importModel(file);
  }

  $("import-button").addEventListener("click", () => picker.click());
  picker.addEventListener("change", () => {
    const file = picker.files && picker.files[0];
    picker.value = "";
    if (file) open(file);
  });

  // ------------------------------------------------------------- drag and drop onto the page
  const hint = $("drop-hint");
  let depth = 0; // dragenter/dragleave pairs: children fire them too
  const carriesFiles = (e) => e.dataTransfer && [...(e.dataTransfer.types || [])].includes("Files");
  const showHint = (on) => { hint.hidden = !on; };
  root.addEventListener("dragenter", (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    depth++;
    showHint(true);
  });
  root.addEventListener("dragover", (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault(); // allow the drop (the default would open the file in the tab)
    e.dataTransfer.dropEffect = "copy";
  });
  root.addEventListener("dragleave", (e) => {
    if (!carriesFiles(e)) return;
    depth = Math.max(0, depth - 1);
    if (depth === 0) showHint(false);
  });
  root.addEventListener("drop", (e) => {
    if (!carriesFiles(e) && !(e.dataTransfer && e.dataTransfer.files.length)) return;
    e.preventDefault();
    depth = 0;
    showHint(false);
    const file = e.dataTransfer.files[0]; // one model at a time: the first file dropped
    if (file) open(file);
  });

  return {
    /** After a change of the state: keep an open share link current. */
    refresh() { share.refresh(); },
    open,
    say,
  };
}
