/**
 * The user's own data: clicks on the main view add or remove points, a CSV file replaces the
 * data (a bad file changes nothing and says why, naming the row), and the current data
 * downloads as CSV. Every change goes through the training loop; the network keeps training.
 *
 *   const data = createUserData(messageElement, { loop, classValue, isFatal, onFatal, delimiter });
 *   (delimiter() -> the cell separator the page's control names: ",", ";" or "\t"; header() -> true,
 *   false or "auto": whether the CSV's first row is a header)
 *   data.setMode("add" | "remove" | "");  data.point(x1, x2);  data.csvFile(file);  data.csvDownload();
 *   data.unsaved   // true while points were added or removed by hand since the last CSV download
 *                  // or loaded file (they are not part of the link; leaving the page would lose them)
 */

import { SCHEMA } from "../core/settings.js";
import { download, messageOf } from "../core/status.js";

const MAX_CSV_BYTES = SCHEMA.pages.playground.max_csv_chars; // as nnpy.browser.playground (its length check)

export function createUserData(messageElement, {
  loop, classValue, isFatal, onFatal, delimiter = () => ",", header = () => "auto",
}) {
  let mode = "";
  let edits = 0;   // points added or removed by hand
  let saved = 0;   // ... of them in the last CSV downloaded, or before the last file loaded

  function message(text, isError = false) {
    messageElement.textContent = text;
    messageElement.classList.toggle("error", isError);
  }

  function fail(err, prefix = "") {
    if (isFatal(err)) onFatal(err);
    else message(prefix + messageOf(err) + (prefix ? ". Your data is unchanged." : ""), true);
  }

  return {
    message,
    get mode() { return mode; },
    get unsaved() { return edits > saved && Boolean(loop.points) && loop.points.source === "custom"; },
    setMode(next) { mode = next; },
    /** A click on the main view at (x1, x2): add or remove a point, by the mode. */
    point(x1, x2) {
      if (!mode || !loop.snapshot) return;
      const removing = mode === "remove";
      const call = removing
        ? loop.edit("remove_point", { x1, x2, radius: 0.4 })
        : loop.edit("add_point", { x1, x2, label: classValue() });
      call.then((r) => {
        if (removing && r.removed === false) message("No point there to remove.");
        else { edits += 1; message(""); }
      })
        .catch((err) => fail(err));
    },
    async csvFile(file) {
      if (file.size > MAX_CSV_BYTES) {
        message(`${file.name} is ${(file.size / 1e6).toFixed(1)} MB; the playground takes CSV files up to ` +
          `${MAX_CSV_BYTES / 1e6} MB. Your data is unchanged.`, true);
        return;
      }
      let text;
      try {
        text = await file.text();
      } catch (err) {
        message(`Could not read ${file.name}: ${err.message}. Your data is unchanged.`, true);
        return;
      }
      try {
        const r = await loop.edit("load_csv", { text, name: file.name, delimiter: delimiter(), header: header() });
        const n = r.points.train_y.shape[0] + r.points.test_y.shape[0];
        // what the engine decided about the file, e.g. "first row read as the header: x1,x2,label"
        const notes = (r.notes || []).map((note) => ` ${note[0].toUpperCase()}${note.slice(1)}.`).join("");
        message(`Loaded ${n} points from ${file.name}.${notes}`);
        saved = edits;   // the data is the file's now, which the person has
      } catch (err) {
        fail(err, `Could not use ${file.name}: `);
      }
    },
    async csvDownload() {
      try {
        const at = edits;
        const { text, filename } = await loop.query("csv");
        download(text, filename, "text/csv");
        saved = at;
      } catch (err) {
        fail(err);
      }
    },
  };
}
