/**
 * The MNIST page's model files: "Export model" downloads the network as an nnpy model file;
 * "Import model" (a file picker) or a file dropped anywhere on the page loads one, from this page
 * or saved by nnpy in Python. A file over MAX_FILE_BYTES is refused before it is read. The bar
 * under the header says what happened; a failed import says so and leaves the model as it was.
 *
 *   const files = createModelFiles(elements, {
 *     exportModel: async () => ({ data: Uint8Array, filename }),
 *     importModel: async (bytes, name) => "Loaded digits.nnpy: ...",   // throws: nothing changed
 *     notReady: () => "" or why nothing can be loaded yet,
 *   });
 *   files.setEnabled(on);
 */

import { SCHEMA } from "../core/settings.js";
import { download } from "../core/status.js";

export const MAX_FILE_BYTES = SCHEMA.pages.mnist.max_file_bytes;

/** The engine's reason, without the Python type and the file name it starts with. */
export function problemOf(err, name) {
  let text = ((err && (err.lastLine || err.message)) || String(err)).trim();
  text = text.replace(/^[A-Za-z_][\w.]*: /, ""); // "ModelFileError: ", "NotAnMnistModel: "
  if (text.startsWith(`${name}: `)) text = text.slice(name.length + 2);
  else if (text.startsWith(`${name} `)) text = `it ${text.slice(name.length + 1)}`;
  if (/^(is|has|holds|was|does|takes)\b/.test(text)) text = `it ${text}`;
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

export function createModelFiles({ exportButton, importButton, input, bar, text, dismiss, dropHint },
  { exportModel, importModel, notReady }) {
  let enabled = false;
  let busy = false;
  let depth = 0; // dragenter/dragleave pairs: the hint stays while a file is anywhere over the page

  function show(message, kind = "ok") {
    text.textContent = message;
    bar.classList.add("shown");
    bar.classList.toggle("error", kind === "error");
    bar.classList.toggle("working", kind === "working");
    text.setAttribute("aria-live", kind === "error" ? "assertive" : "polite");
  }

  function hide() {
    bar.classList.remove("shown", "error", "working");
    text.textContent = "";
  }

  function setButtons() {
    exportButton.disabled = importButton.disabled = !enabled || busy;
  }

  async function load(file) {
    const why = notReady();
    if (why || busy) {
      show(`Could not import ${file.name}: ${why || "another file is being loaded"}.`, "error");
      return;
    }
    if (file.size > MAX_FILE_BYTES) {
      show(`Could not import ${file.name}: it is ${(file.size / 2 ** 20).toFixed(1)} MB; a model file for this page ` +
        `is at most ${MAX_FILE_BYTES / 2 ** 20} MB. Your model is unchanged.`, "error");
      return;
    }
    busy = true;
    setButtons();
    show(`Loading ${file.name}…`, "working");
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      show(await importModel(bytes, file.name));
    } catch (err) {
      show(`Could not import ${file.name}: ${problemOf(err, file.name)} Your model is unchanged.`, "error");
      console.warn(err);
    } finally {
      busy = false;
      setButtons();
    }
  }

  exportButton.addEventListener("click", async () => {
    if (busy || !enabled) return;
    busy = true;
    setButtons();
    try {
      const { data, filename } = await exportModel();
      download(data, filename, "application/octet-stream");
      show(`Downloaded ${filename}. In Python: nnpy.load_model("${filename}"), or ` +
        `python -m nnpy predict ${filename} --csv digits.csv. Import model loads it here again.`);
    } catch (err) {
      show(`Could not export the model: ${problemOf(err, "")}`, "error");
    } finally {
      busy = false;
      setButtons();
    }
  });

  importButton.addEventListener("click", () => { input.value = ""; input.click(); });
  input.addEventListener("change", () => { if (input.files.length) load(input.files[0]); });
  dismiss.addEventListener("click", hide);

  const hasFiles = (e) => e.dataTransfer && Array.from(e.dataTransfer.types || []).includes("Files");
  document.addEventListener("dragenter", (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth += 1;
    dropHint.hidden = false;
  });
  document.addEventListener("dragover", (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault(); // without this the browser opens the file instead of dropping it here
    e.dataTransfer.dropEffect = "copy";
  });
  document.addEventListener("dragleave", (e) => {
    if (!hasFiles(e)) return;
    depth = Math.max(0, depth - 1);
    if (!depth) dropHint.hidden = true;
  });
  document.addEventListener("drop", (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    dropHint.hidden = true;
    const dropped = e.dataTransfer.files;
    if (dropped.length !== 1) show(`Drop one model file at a time (${dropped.length} were dropped).`, "error");
    else load(dropped[0]);
  });

  setButtons();
  return {
    setEnabled(on) { enabled = on; setButtons(); },
    show,
  };
}
