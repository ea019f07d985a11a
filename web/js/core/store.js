/**
 * The store: the one place a page's settings live once it runs, mirrored in the URL hash.
 *
 *   import { createStore } from "../core/store.js";
 *   const { state, notes } = parse(location.hash);          // the page's state module
 *   const store = createStore(state, { parse, serialize, onNotes });
 *   store.subscribe((state, changed) => ...);               // changed: a Set of setting names
 *   store.update({ lr: 0.1 });                              // a patch: only what changed
 *
 * Updates write the hash with replaceState (the Back button is not flooded) and notify the
 * subscribers with the names that changed. A hash typed or pasted by the reader (hashchange) is
 * parsed and applied the same way; its notes go to `onNotes`. `parse(hash)` returns
 * {state, notes}; `serialize(state)` returns "#...": any page's table (js/playground/state.js,
 * js/mnist/state.js) plugs in, so a new page writes those two functions and nothing else here.
 * A hash naming an element of the page (a skip link's #play-button) is in-page navigation, never a
 * setup: the store puts its own hash back and changes nothing.
 */

import { inPageTarget } from "./hash.js";

export function createStore(initial, { parse, serialize, onNotes = () => {} }) {
  let state = structuredClone(initial);
  const listeners = [];
  let written = null;

  const write = () => {
    written = serialize(state);
    if (location.hash !== written) history.replaceState(null, "", written);
  };

  const apply = (next) => {
    const changed = new Set();
    for (const key of Object.keys(next)) {
      if (JSON.stringify(next[key]) !== JSON.stringify(state[key])) changed.add(key);
    }
    if (!changed.size) return changed;
    state = { ...state, ...structuredClone(next) };
    write();
    for (const fn of listeners) fn(state, changed);
    return changed;
  };

  window.addEventListener("hashchange", () => {
    if (location.hash === written) return;
    if (inPageTarget(location.hash)) { history.replaceState(null, "", written); return; } // a skip link, not a setup
    const { state: parsed, notes } = parse(location.hash);
    onNotes(notes);
    apply(parsed);
    write();
  });

  write();
  return {
    get: () => state,
    update: (patch) => apply(patch),
    subscribe: (fn) => { listeners.push(fn); },
    /** The hash the store wrote last (a Share link). */
    get hash() { return written; },
  };
}
