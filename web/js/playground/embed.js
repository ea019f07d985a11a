/**
 * The Embed button: a panel with the <iframe> snippet that shows this playground, set up as it
 * is now, in a blog post (the settings that differ from the defaults, plus embed=1; see docs.html).
 *
 *   createEmbedPanel(document, { getState });   // wires #embed-button, #embed-panel, #embed-snippet
 */

import { serializeChanged } from "./state.js";

export function embedSnippet(state, base = location.origin + location.pathname) {
  const src = base + serializeChanged({ ...state, embed: true });
  // the hash is URL-encoded, so no quote or angle bracket is in it; raw & is what embed snippets use
  return `<iframe src="${src.replace(/"/g, "%22")}" title="nnpy playground: a neural network ` +
    `training in your browser" width="100%" height="600" style="border:0" loading="lazy"></iframe>`;
}

export function createEmbedPanel(root, { getState }) {
  const $ = (id) => root.getElementById(id);
  const button = $("embed-button"), panel = $("embed-panel"), snippet = $("embed-snippet");
  const setOpen = (open) => {
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    if (open) { snippet.value = embedSnippet(getState()); snippet.select(); }
  };
  button.addEventListener("click", () => setOpen(panel.hidden));
  $("embed-close").addEventListener("click", () => setOpen(false));
  // Escape in the panel, or on Embed (where the focus stays as it opens), closes it
  const escape = (e) => {
    if (e.key !== "Escape" || panel.hidden) return;
    e.stopPropagation();
    setOpen(false);
    button.focus();
  };
  panel.addEventListener("keydown", escape);
  button.addEventListener("keydown", escape);
  $("embed-copy").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(snippet.value);
      $("embed-copied").textContent = "Copied.";
    } catch {
      snippet.select();
      $("embed-copied").textContent = "Press Ctrl+C (⌘C) to copy the selected text.";
    }
  });
  return {
    /** After a change of the state: keep an open snippet current. */
    refresh() { if (!panel.hidden) snippet.value = embedSnippet(getState()); },
  };
}
