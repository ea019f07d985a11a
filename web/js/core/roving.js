/**
 * One tab stop for a group of buttons (a roving tabindex, as the ARIA practices' grids do): the
 * buttons have tabIndex -1 but one, the stop; the arrow keys, Home and End move the stop and the
 * focus to the button `target` names. Both MNIST grids use it (the confusion matrix, the test digits).
 *
 *   const roving = createRoving(element, { selector: "button[data-cell]", target: (from, key) => button });
 *   roving.settle(preferred, had)   // after a render: the stop is `had` (the focus goes back to it,
 *                                   // when the render took it) or `preferred` or the first button
 *
 * target(from, key): the button to move to from `from` for key ("ArrowLeft", "ArrowRight",
 * "ArrowUp", "ArrowDown", "Home", "End"), or null to stay.
 */

const KEYS = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End"];

export function createRoving(element, { selector, target }) {
  element.addEventListener("keydown", (e) => {
    const from = e.target.closest && e.target.closest(selector);
    if (!from || !KEYS.includes(e.key) || e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault();
    const to = target(from, e.key);
    if (!to || to === from) return;
    from.tabIndex = -1;
    to.tabIndex = 0;
    to.focus();
  });
  return {
    /** The buttons were drawn anew: one stop, and the focus kept where a key had put it. */
    settle(preferred = null, had = null) {
      const all = [...element.querySelectorAll(selector)];
      for (const b of all) b.tabIndex = -1;
      const stop = had || preferred || all[0];
      if (!stop) return;
      stop.tabIndex = 0;
      if (had) had.focus();
    },
  };
}
