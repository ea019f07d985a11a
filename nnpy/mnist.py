"""MNIST digits: load and save the ``.npz`` the build packs, and turn a drawn digit into an input.

``load_mnist`` gives a stratified, seeded split of images of shape ``(m, 784)``
in ``[0, 1]`` and int64 labels; ``save_mnist`` writes the file it reads;
``preprocess_digit`` centres and scales a drawing as MNIST's makers did;
``normalize_pixels`` scales ``0..255`` to ``0..1``. Bad input raises
:class:`nnpy.data.DataError`.
"""

import io
import math
import os
import zipfile
import zlib

import numpy as np

from .data import DataError, _class_labels, _count, _stratified_pick
from .rng import as_generator
from .samples import check_finite


def normalize_pixels(X, max_value=255):
    """Scale pixel values from ``0..max_value`` to ``0..1``: ``X / max_value``.

    Args:
        X: any shape, values in ``[0, max_value]``.

    Returns:
        float64 of the same shape.

    Example:
        >>> normalize_pixels([0, 51, 255]).tolist()
        [0.0, 0.2, 1.0]
    """
    X = np.asarray(X, dtype=np.float64)
    if X.size and not (np.all(np.isfinite(X)) and X.min() >= 0 and X.max() <= max_value):
        raise DataError(f"pixel values must lie in [0, {max_value}]. Received values in "
                        f"[{np.nanmin(X)}, {np.nanmax(X)}]")
    return X / max_value


# ------------------------------------------------------------------ MNIST

def _load_npz(source):
    """Return ``{name: array}`` of an ``.npz`` (path, file object or bytes), never unpickling."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        source, origin = io.BytesIO(bytes(source)), "the MNIST data"
    elif hasattr(source, "read"):
        source, origin = io.BytesIO(source.read()), "the MNIST file"
    elif isinstance(source, (str, os.PathLike)):
        origin = f"MNIST file {os.fspath(source)!r}"
    else:
        raise DataError(f"source must be a path, a file object or bytes. Received: {type(source).__name__}")
    problems = (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error)
    try:
        archive = np.load(source, allow_pickle=False)
    except problems as e:
        if isinstance(e, OSError) and e.errno is not None:
            raise DataError(f"cannot read {origin}: {e.strerror or e}") from e
        if "pickle" in str(e):   # numpy's text goes on to suggest loading it unsafely: never
            raise DataError(f"{origin} is not an .npz archive of arrays (numpy would read it "
                            "only as a pickle, which nnpy never loads: pickles can run code)") from e
        raise DataError(f"{origin} is not an .npz archive of arrays: {e}") from e
    if isinstance(archive, np.ndarray):
        raise DataError(f"{origin} is a single .npy array; expected an .npz archive with "
                        "'images' and 'labels'")
    with archive:
        missing = [k for k in ("images", "labels") if k not in archive.files]
        if missing:
            raise DataError(f"{origin} lacks {missing}: expected keys 'images' and 'labels'. "
                            f"Found: {archive.files}")
        arrays = {}
        for key in ("images", "labels"):
            _check_declared_size(archive.zip, key, origin)
            try:
                arrays[key] = archive[key]
            except ValueError as e:
                if "pickle" in str(e) or "Object arrays" in str(e):
                    raise DataError(f"{origin}: array {key!r} holds Python objects (pickled "
                                    "data), which nnpy never loads") from e
                raise DataError(f"{origin}: array {key!r} is unreadable: {e}") from e
            except problems as e:
                raise DataError(f"{origin}: array {key!r} is unreadable (truncated?): {e}") from e
    return arrays, origin


MAX_NPZ_ARRAY_BYTES = 256 * 2**20   # all 70,000 MNIST digits take 55 MB
_DEFLATE_MAX_RATIO = 1032


def _check_declared_size(zip_file, key, origin):
    """Refuse an array whose ``.npy`` header declares more than its zip entry holds, or more than
    :data:`MAX_NPZ_ARRAY_BYTES`, before NumPy allocates what the header claims."""
    try:
        info = zip_file.getinfo(key + ".npy")
    except KeyError:
        return   # stored under another name: numpy reads it (a small test file, say)
    if info.file_size > MAX_NPZ_ARRAY_BYTES:
        raise DataError(f"{origin}: array {key!r} declares {info.file_size:,} bytes, more than the "
                        f"{MAX_NPZ_ARRAY_BYTES:,}-byte limit")
    if info.compress_type != zipfile.ZIP_STORED and \
            info.file_size > max(info.compress_size, 1) * _DEFLATE_MAX_RATIO:
        raise DataError(f"{origin}: array {key!r} declares {info.file_size:,} bytes from "
                        f"{info.compress_size:,} compressed: more than deflate can produce")
    try:
        with zip_file.open(info) as f:
            version = np.lib.format.read_magic(f)
            read = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                np.lib.format.read_array_header_2_0
            shape, _, dtype = read(f, max_header_size=10000)
            header_end = f.tell()
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as e:
        raise DataError(f"{origin}: array {key!r} is unreadable: {e}") from e
    if dtype.hasobject:
        return   # refused by numpy (allow_pickle=False) with its own message
    declared = math.prod(shape) * dtype.itemsize
    if header_end + declared != info.file_size:
        raise DataError(f"{origin}: array {key!r} declares shape {shape} ({declared:,} bytes) but "
                        f"its entry holds {info.file_size - header_end:,} (truncated or damaged)")


def _mnist_arrays(source):
    arrays, origin = _load_npz(source)
    images, labels = arrays["images"], arrays["labels"]
    for key, a in (("images", images), ("labels", labels)):
        if a.dtype != np.uint8:
            raise DataError(f"{origin}: {key!r} must be uint8. Received dtype {a.dtype}")
    if images.ndim == 3 and images.shape[1:] == (28, 28):
        images = images.reshape(len(images), 784)
    if images.ndim != 2 or images.shape[1] != 784 or len(images) == 0:
        raise DataError(f"{origin}: 'images' must have shape (N, 784) with N >= 1. "
                        f"Received shape {images.shape}")
    if labels.shape != (len(images),):
        raise DataError(f"{origin}: 'labels' must have shape ({len(images)},) to match 'images'. "
                        f"Received shape {labels.shape}")
    if labels.max() > 9:
        i = int(np.argmax(labels > 9))
        raise DataError(f"{origin}: labels[{i}] = {labels[i]} is not a digit 0..9")
    return images, labels


def load_mnist(source, *, n=None, test_size=0.2, seed=0, normalize=True, dtype=np.float64):
    """Load MNIST digits from an ``.npz`` and split them, stratified and seeded.

    The file holds ``images`` uint8 of shape ``(N, 784)`` (or ``(N, 28, 28)``)
    and ``labels`` uint8 of shape ``(N,)`` (see :func:`save_mnist`). It is
    read with ``allow_pickle=False``.

    Args:
        source: a path, a binary file object, or the file's bytes (the
            browser passes bytes).
        n: use a stratified subset of ``n`` digits (default: all of them).
        test_size: a fraction in ``(0, 1)`` or a count; default 0.2, so the
            10,000 digits of the build split 8,000 / 2,000.
        seed: int, ``None`` or ``numpy.random.Generator``.
        normalize: divide pixels by 255 (else keep ``0..255``).
        dtype: float dtype of the images.

    Returns:
        ``(X_train, y_train, X_test, y_test)``: images of shape ``(m, 784)``
        in ``[0, 1]`` when ``normalize``, labels int64 of shape ``(m,)``.

    Example:
        >>> X_train, y_train, X_test, y_test = load_mnist("dist/mnist.npz")  # doctest: +SKIP
    """
    images, labels = _mnist_arrays(source)
    rng = as_generator(seed)
    idx = np.arange(len(labels))
    if n is not None:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 2 <= n <= len(labels):
            raise DataError(f"n must be an int in 2..{len(labels)} (the digits in the file). "
                            f"Received: n={n!r}")
        idx = _stratified_pick(labels, int(n), rng)
    k = _count(test_size, len(idx), "test_size")
    test_pos = _stratified_pick(labels[idx], k, rng)
    train = idx[rng.permutation(np.setdiff1d(np.arange(len(idx)), test_pos))]
    test = idx[test_pos]
    scale = 1.0 / 255.0 if normalize else 1.0

    def take(rows):
        X = images[rows].astype(dtype)
        X *= scale
        return X, labels[rows].astype(np.int64)
    return take(train) + take(test)


def save_mnist(dest, images, labels):
    """Write digits in the compressed ``.npz`` format :func:`load_mnist` reads.

    Args:
        dest: a path or a binary file object.
        images: uint8 of shape ``(N, 784)`` or ``(N, 28, 28)``.
        labels: integers 0..9 of shape ``(N,)``.
    """
    images = np.asarray(images)
    labels = np.asarray(labels)
    if images.dtype != np.uint8:
        raise DataError(f"images must be uint8 (0..255). Received dtype {images.dtype}")
    images = images.reshape(len(images), -1) if images.ndim == 3 else images
    if images.ndim != 2 or images.shape[1] != 784:
        raise DataError(f"images must have shape (N, 784). Received shape {images.shape}")
    labels = _class_labels(labels, "labels")
    if len(labels) != len(images) or (labels.size and labels.max() > 9):
        raise DataError(f"labels must be {len(images)} digits 0..9")
    np.savez_compressed(dest, images=images, labels=labels.astype(np.uint8))


# ------------------------------------------------------- a drawn digit

def _area_weights(size_in, size_out):
    """Matrix of shape ``(size_out, size_in)``: each output cell averages the input it covers."""
    scale = size_in / size_out
    edges = np.arange(size_out + 1) * scale
    j = np.arange(size_in)
    overlap = np.minimum(edges[1:, None], j + 1) - np.maximum(edges[:-1, None], j)
    return np.clip(overlap, 0.0, None) / scale


def preprocess_digit(image):
    """Turn a drawn digit into an MNIST-style input, as MNIST's makers did.

    The ink's bounding box is scaled (area-averaged, which anti-aliases) so its
    longer side is 20 px, keeping the aspect ratio; the result is placed in a
    28x28 field so that its centre of mass lands on pixel (14, 14) (rounded,
    and kept inside the field), then scaled so its brightest pixel is 1.

    Args:
        image: 2-D array of any size, ink = high values, any non-negative
            scale (``0..1``, ``0..255``, a canvas's alpha channel).

    Returns:
        float64 of shape ``(784,)`` in ``[0, 1]``; zeros for a blank image.

    Raises:
        DataError: not a 2-D array, or a NaN or infinite pixel (named:
            ``image[3, 4] is NaN``).

    Example:
        >>> canvas = np.zeros((280, 280)); canvas[40:120, 30:60] = 255
        >>> x = preprocess_digit(canvas); x.shape, float(x.max())
        ((784,), 1.0)
    """
    a = np.asarray(image, dtype=np.float64)
    if a.ndim != 2 or a.size == 0:
        raise DataError(f"image must be a 2-D array. Received shape {a.shape}")
    try:
        check_finite(a, "image")
    except ValueError as e:
        raise DataError(str(e)) from None
    a = np.clip(a, 0.0, None)
    out = np.zeros((28, 28))
    peak = a.max()
    if peak <= 0:
        return out.reshape(784)
    ink = a > 0.05 * peak  # faint anti-aliasing specks do not stretch the box
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    crop = a[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = crop.shape
    scale = 20.0 / max(h, w)
    nh, nw = max(1, int(round(h * scale))), max(1, int(round(w * scale)))
    small = _area_weights(h, nh) @ crop @ _area_weights(w, nw).T
    small /= small.max()
    mass = small.sum()
    cy = small.sum(axis=1) @ np.arange(nh) / mass
    cx = small.sum(axis=0) @ np.arange(nw) / mass
    top = min(max(int(math.floor(14 - cy + 0.5)), 0), 28 - nh)
    left = min(max(int(math.floor(14 - cx + 0.5)), 0), 28 - nw)
    out[top:top + nh, left:left + nw] = small
    return np.clip(out, 0.0, 1.0).reshape(784)
