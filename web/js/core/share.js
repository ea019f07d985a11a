/**
 * The Share button of both pages: it opens a panel with the page's link (the setup lives in
 * the URL hash) and copies it; without a clipboard (an http:// page, an old browser) the link is
 * selected for Ctrl+C instead. Escape or Close shuts the panel and gives the focus back.
 *
 *   const share = createShare({ button, panel, link, copy, copied, close, onOpen });
 *   share.refresh();   // after the hash changed: an open panel shows the new link
 *   share.close();     // another panel opened in its place
 * onOpen() runs as the panel opens (the 2-D page closes its Export panel then).
 */

export function createShare({ button, panel, link, copy, copied, close, onOpen = () => {} }) {
  function open(on) {
    panel.hidden = !on;
    button.setAttribute("aria-expanded", String(on));
  }

  async function share() {
    onOpen();
    open(true);
    link.value = location.href;
    copied.textContent = "";
    try {
      if (!navigator.clipboard || !navigator.clipboard.writeText) throw new Error("no clipboard");
      await navigator.clipboard.writeText(link.value);
      copied.textContent = "Link copied.";
    } catch {
      link.focus();
      link.select();
      copied.textContent = "Press Ctrl+C (⌘C) to copy the selected link.";
    }
  }

  button.addEventListener("click", () => (panel.hidden ? share() : open(false)));
  copy.addEventListener("click", share);
  close.addEventListener("click", () => { open(false); button.focus(); });
  link.addEventListener("focus", () => link.select());
  // Escape in the panel, or on the button (where the focus stays when the link was copied)
  const onEscape = (e) => {
    if (e.key !== "Escape" || panel.hidden) return;
    e.stopPropagation();
    open(false);
    button.focus();
  };
  panel.addEventListener("keydown", onEscape);
  button.addEventListener("keydown", onEscape);

  return {
    refresh() { if (!panel.hidden) link.value = location.href; },
    close() { open(false); },
  };
}
