/**
 * Leaving a page that holds work kept nowhere else (the MNIST page's trained network, the 2-D
 * page's points added by hand; neither is in the link): the browser's own "Leave site?" dialog
 * asks first while `unsaved()` is true, and nothing is asked otherwise. The browser writes the
 * dialog's words (a page cannot), and asks only once the person has interacted with the page.
 *
 *   askBeforeLeaving(() => run.steps > exportedSteps);
 */

export function askBeforeLeaving(unsaved) {
  window.addEventListener("beforeunload", (event) => {
    if (!unsaved()) return;
    event.preventDefault();
    event.returnValue = true;   // browsers from before preventDefault() was enough (Chrome < 119)
  });
}
