"""Saving and loading models: one file of data, never code, never pickle.

``save_model(model, "model.pkl")`` works with any file name (the seed's
``model.pkl`` too): the name says nothing, the format is always ours.

The format ("nnpy-model", version 1) is a plain zip archive that
``numpy.load(path, allow_pickle=False)`` can also open:

- ``nnpy.json``: UTF-8 JSON ``{"format": "nnpy-model", "format_version": 1,
  "nnpy_version": ..., "model": model.get_config(), "metadata": {...}}``;
  ``metadata`` is the caller's own JSON data (the playground's input
  features and dataset settings, say).
- one ``.npy`` array per parameter, named like the state dict keys
  (``0.W.npy``, ``0.b.npy``, ...): little-endian float32 or float64, the
  model's dtype, every value finite.
- the archive comment ``nnpy-sha256:<64 hex digits>``: the SHA-256 of every
  byte before the zip end record, so any damage to the file is caught.

Entries are stored uncompressed by ``save_model``; the loader also reads
deflated ones, through a bounded inflater.

Loading trusts nothing, and allocates only for bytes that are there and checked:

1. the zip archive (:mod:`nnpy._formats.zipnpy`): its size, its checksum, its
   directory and every entry, before any entry is read;
2. ``nnpy.json``, parsed strictly (:mod:`nnpy._formats.strict_json`:
   duplicate keys, NaN and Infinity refused, nesting bounded);
3. the architecture: types, known layers and activations, and its size
   against ``max_bytes``; nothing is built yet;
4. every weight entry: present, with a ``.npy`` header of the model's dtype
   and the architecture's shape, and exactly that many bytes (a deflated
   entry is inflated once to check its length and CRC-32);
5. only then is the model built (without drawing random weights) and each
   entry read straight into its parameters, refusing NaN and infinities.

So a file of a few kilobytes that claims gigabytes is refused for what it
lacks, having allocated kilobytes. Every problem raises
:class:`ModelFileError`, one type, whose message says what is wrong: not our
format (a pickle, say), truncated, damaged, too large, unknown layer or
activation, missing, extra or mis-shaped weights, wrong dtype, NaN or
infinite values.

Limits: ``max_bytes`` (default :data:`MAX_BYTES`, 512 MB of weights, for
CPython) caps the weights, :data:`MAX_HEADER_BYTES` (16 MB) the JSON,
:data:`MAX_LAYERS` (1024) the layers. The pages pass smaller ones, sized to the
networks they can show (``nnpy.browser.playground_files``: 1 MB of weights,
``nnpy.browser.mnist_files``: 64 MB), so a tab never holds more than that.
"""

import io
import json
import os
import stat
import tempfile
import zipfile

import numpy as np

from ._formats import strict_json
from ._formats.zipnpy import Archive, sign, size_in_words as _size
from ._version import __version__
from .model import SequentialModel

FORMAT = "nnpy-model"
FORMAT_VERSION = 1
HEADER_NAME = "nnpy.json"
CHECKSUM_PREFIX = b"nnpy-sha256:"

MAX_BYTES = 512 * 2**20          # default cap on the weights' total size
MAX_HEADER_BYTES = 16 * 2**20    # cap on nnpy.json
MAX_LAYERS = 1024
MAX_ENTRIES = 2 * MAX_LAYERS + 1
MAX_FEATURES = 2**31 - 1         # per layer side
_MAX_JSON_DEPTH = 64             # what save_model writes
_MAX_JSON_LOAD_DEPTH = 100       # what load_model reads
_FLOAT_DESCR = {"float32": "<f4", "float64": "<f8"}
_HEADER_KEYS = {"format", "format_version", "nnpy_version", "model", "metadata"}

__all__ = ["FORMAT", "FORMAT_VERSION", "MAX_BYTES", "ModelFileError", "load_model",
           "load_model_bytes", "save_model", "save_model_bytes"]


class ModelFileError(ValueError):
    """A model file (or its bytes) cannot be loaded; the message says why.

    The only error :func:`load_model` raises for bad input, whatever the
    problem: a pickle or another format, truncation or damage, sizes over the
    limits, an unknown layer or activation, missing, extra or mis-shaped
    weights, a wrong dtype, NaN or infinite values.

    Attributes:
        problem: the message without the file's name (for a user interface
            that shows the name elsewhere).
        origin: what was being loaded (``"model file 'm.nnpy'"``,
            ``"the model data"``), or ``None``.
    """

    def __init__(self, problem, origin=None):
        self.problem, self.origin = problem, origin
        super().__init__(f"{origin}: {problem}" if origin else problem)


# ---------------------------------------------------------------- saving

def save_model_bytes(model, metadata=None):
    """The model as the bytes of an nnpy model file (see the module docstring).

    Args:
        model: a :class:`~nnpy.model.SequentialModel` with built-in activations.
        metadata: optional JSON data (a dict with string keys) stored with the
            model, e.g. ``{"features": ["x1", "x2"], "dataset": {...}}``.
            NumPy scalars and arrays are converted to plain numbers and lists.

    Returns:
        ``bytes``. The same model and metadata always give the same bytes.

    Raises:
        ValueError: the model cannot be saved (a custom Python activation, NaN
            or infinite weights) or ``metadata`` is not JSON data.
        TypeError: ``model`` is not a ``SequentialModel``.
    """
    if not isinstance(model, SequentialModel):
        raise TypeError(f"save_model needs a SequentialModel. Received: {type(model).__name__}")
    try:
        config = model.get_config()
    except ValueError as exc:
        raise ValueError(f"Cannot save this model: {exc}") from None
    metadata = {} if metadata is None else strict_json.plain(metadata, "metadata",
                                                                 _MAX_JSON_DEPTH)
    if not isinstance(metadata, dict):
        raise ValueError(f"metadata must be a dict. Received: {type(metadata).__name__}")
    header = {"format": FORMAT, "format_version": FORMAT_VERSION, "nnpy_version": __version__,
              "model": config, "metadata": metadata}
    header_bytes = json.dumps(header, allow_nan=False, ensure_ascii=False,
                              separators=(",", ":")).encode("utf-8")
    if len(header_bytes) > MAX_HEADER_BYTES:
        raise ValueError(f"metadata is too large: the JSON header would be "
                         f"{_size(len(header_bytes))}, more than {_size(MAX_HEADER_BYTES)}")
    state = model.state_dict()
    for name, array in state.items():
        if not np.all(np.isfinite(array)):
            raise ValueError(f"Cannot save this model: weights {name} hold NaN or infinite "
                             "values (did training diverge?)")

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        _add_entry(archive, HEADER_NAME, header_bytes)
        for name, array in state.items():
            npy = io.BytesIO()
            little = array.astype(array.dtype.newbyteorder("<"), copy=False)
            np.lib.format.write_array(npy, little, version=(1, 0), allow_pickle=False)
            _add_entry(archive, name + ".npy", npy.getvalue())
    # zipfile wrote a comment-less end record: sign what precedes it in the archive comment
    return sign(buffer.getvalue(), CHECKSUM_PREFIX)


def save_model(model, path, metadata=None):
    """Save ``model`` (architecture + weights + ``metadata``) to ``path``.

    Any file name works (``"model.pkl"``, ``"model.nnpy"``); the content is
    always the nnpy format, never pickle. Everything is checked first, then
    the file is written to a temporary file beside ``path`` and renamed, so a
    refused model or a failed write never truncates an existing file.

    Args:
        model: a :class:`~nnpy.model.SequentialModel`.
        path: a path, or a binary file object to write to.
        metadata: optional JSON data stored with the model (see
            :func:`save_model_bytes`).

    Returns:
        The path written (``None`` for a file object).

    Example:
        >>> save_model(model, "model.pkl", metadata={"features": ["x1", "x2"]})  # doctest: +SKIP
        >>> model2 = load_model("model.pkl")  # doctest: +SKIP
    """
    data = save_model_bytes(model, metadata)
    if hasattr(path, "write"):
        path.write(data)
        return None
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        _copy_mode(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    global _last_saved
    _last_saved = (_last_saved[0] + 1, os.path.abspath(path))
    return path


# (counter, absolute path) of the file save_model wrote last in this process;
# nnpy.inference.predict falls back to it when no model was loaded.
_last_saved = (0, None)


def last_saved_path():
    """``(counter, path)`` of the latest file :func:`save_model` wrote, ``(0, None)`` if none."""
    return _last_saved


def _add_entry(archive, name, data):
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def _copy_mode(path, tmp):
    """Give the new file the old file's mode, or the usual one for a new file (mkstemp uses 0600)."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = (0o666 & ~umask) | 0o600   # the owner can always read what was saved
        # (Pyodide's file system reports a umask of 0o777)
    try:
        os.chmod(tmp, mode)
    except OSError:  # pragma: no cover (file systems without modes)
        pass


# ---------------------------------------------------------------- loading

def load_model(source, *, return_metadata=False, max_bytes=MAX_BYTES):
    """Rebuild a model from an nnpy model file. Never unpickles, never runs code.

    Args:
        source: a path, the file's bytes, or a binary file object.
        return_metadata: also return the metadata dict saved with the model.
        max_bytes: refuse files whose weights would take more than this
            (default 512 MB); checked before anything is allocated.

    Returns:
        The :class:`~nnpy.model.SequentialModel`, or ``(model, metadata)``.

    Raises:
        ModelFileError: for any bad input, with a message naming the problem.

    Example:
        >>> model, metadata = load_model("model.pkl", return_metadata=True)  # doctest: +SKIP
    """
    archive = Archive(source, error=ModelFileError, header_name=HEADER_NAME,
                      max_header_bytes=MAX_HEADER_BYTES, max_bytes=max_bytes,
                      max_entries=MAX_ENTRIES, checksum_prefix=CHECKSUM_PREFIX)
    try:
        model, metadata = _load(archive)
    except MemoryError:
        raise archive.fail("not enough memory to load this model") from None
    finally:
        archive.close()
    return (model, metadata) if return_metadata else model


def load_model_bytes(data, *, return_metadata=False, max_bytes=MAX_BYTES):
    """:func:`load_model` for the bytes of a file (what the browser has)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ModelFileError(f"load_model_bytes needs bytes. Received: {type(data).__name__}")
    return load_model(data, return_metadata=return_metadata, max_bytes=max_bytes)


def _load(archive):
    """The checks, in the order they run (see the module docstring); returns (model, metadata)."""
    entries = archive.entries()
    header = _read_header(archive, entries[HEADER_NAME])
    config = header["model"]
    shapes, dtype = _check_architecture(archive, config)
    _check_weight_names(archive, shapes, entries)
    descr = _FLOAT_DESCR[dtype]
    arrays = {name: archive.check_npy(entries[name + ".npy"], f"weights {name}", descr, shape)
              for name, shape in shapes.items()}
    try:
        model = SequentialModel.from_config(config, initialize=False)
    except (TypeError, ValueError) as exc:
        raise archive.fail(f"bad architecture: {exc}") from None
    for name, param, _ in model.parameters():
        archive.read_npy_into(arrays[name], param)
    return model, header.get("metadata", {})


def _read_header(archive, entry):
    raw = archive.read_entry(entry)
    try:
        header = strict_json.loads(raw, max_depth=_MAX_JSON_LOAD_DEPTH)
    except UnicodeDecodeError as exc:
        raise archive.fail(f"{HEADER_NAME} is not valid UTF-8 JSON (byte {exc.start})") from None
    except strict_json.NestedTooDeep as exc:
        raise archive.fail(f"{HEADER_NAME} is {exc}") from None
    except strict_json.StrictJSONError as exc:
        raise archive.fail(f"{HEADER_NAME} is malformed JSON: {exc}") from None
    if not isinstance(header, dict):
        raise archive.fail(f"{HEADER_NAME} must hold a JSON object. Found: "
                           f"{strict_json.type_name(header)}")
    if header.get("format") != FORMAT:
        raise archive.fail(f"is not an nnpy model file: {HEADER_NAME} has format "
                           f"{_short(header.get('format'))}, expected {FORMAT!r}")
    version = header.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise archive.fail(f"{HEADER_NAME}: format_version must be an integer. Found: "
                           f"{_short(version)} ({strict_json.type_name(version)})")
    if version > FORMAT_VERSION:
        raise archive.fail(f"uses format version {version}, newer than this nnpy "
                           f"({__version__}) reads (up to {FORMAT_VERSION}); upgrade nnpy")
    if version < 1:
        raise archive.fail(f"{HEADER_NAME}: format_version {version} does not exist")
    unknown = sorted(set(header) - _HEADER_KEYS)
    if unknown:
        raise archive.fail(f"{HEADER_NAME} has unknown fields: {', '.join(map(repr, unknown))}")
    if "nnpy_version" in header and not isinstance(header["nnpy_version"], str):
        raise archive.fail(f"{HEADER_NAME}: nnpy_version must be a string. Found: "
                           f"{strict_json.type_name(header['nnpy_version'])}")
    if not isinstance(header.get("model"), dict):
        raise archive.fail(f"{HEADER_NAME}: 'model' must be a JSON object (the architecture). "
                           f"Found: {strict_json.type_name(header.get('model'))}")
    if not isinstance(header.get("metadata", {}), dict):
        raise archive.fail(f"{HEADER_NAME}: 'metadata' must be a JSON object. Found: "
                           f"{strict_json.type_name(header['metadata'])}")
    return header


def _check_architecture(archive, config):
    """``({"0.W": shape, ...}, dtype)`` of a well-typed architecture within the size limit.

    Nothing is allocated: the model is built only after its weights are checked.
    """
    def bad(message):
        return archive.fail(f"bad architecture: {message}")

    cls = config.get("class", "SequentialModel")
    if cls != "SequentialModel":
        raise bad(f"unknown model class {_short(cls)}; nnpy knows: SequentialModel")
    dtype = config.get("dtype", "float64")
    if not isinstance(dtype, str) or dtype not in _FLOAT_DESCR:
        raise bad(f"unknown dtype {_short(dtype)}; expected 'float32' or 'float64'")
    layers = config.get("layers")
    if not isinstance(layers, list) or not layers:
        raise bad(f"'layers' must be a non-empty list. Found: {strict_json.type_name(layers)}")
    if len(layers) > MAX_LAYERS:
        raise bad(f"{len(layers)} layers, more than the {MAX_LAYERS} limit")
    total = 0
    for i, layer in enumerate(layers):
        if not isinstance(layer, dict):
            raise bad(f"layer {i} must be a JSON object. Found: {strict_json.type_name(layer)}")
        kind = layer.get("class", "Dense")
        if kind != "Dense":
            raise bad(f"layer {i}: unknown layer class {_short(kind)}; nnpy knows: Dense")
        for key in ("in_features", "out_features"):
            value = layer.get(key)
            if isinstance(value, bool) or not isinstance(value, int) or \
                    not 1 <= value <= MAX_FEATURES:
                raise bad(f"layer {i}: {key} must be an integer in 1..{MAX_FEATURES}. "
                          f"Found: {_short(value)} ({strict_json.type_name(value)})")
        activation = layer.get("activation")
        if isinstance(activation, dict):
            for key, value in activation.items():
                if key != "name" and (isinstance(value, bool) or
                                      not isinstance(value, (int, float))):
                    raise bad(f"layer {i}: activation setting {key!r} must be a number. "
                              f"Found: {_short(value)} ({strict_json.type_name(value)})")
        total += layer["in_features"] * layer["out_features"] + layer["out_features"]
    nbytes = total * np.dtype(dtype).itemsize
    if nbytes > archive.max_bytes:
        raise archive.fail(f"declares an architecture of {total:,} parameters ({_size(nbytes)}), "
                           f"more than the {_size(archive.max_bytes)} limit")
    for i in range(1, len(layers)):
        if layers[i]["in_features"] != layers[i - 1]["out_features"]:
            raise bad(f"layer {i} expects {layers[i]['in_features']} inputs but layer {i - 1} "
                      f"gives {layers[i - 1]['out_features']} outputs")
    # activations, initialisers and settings, checked on a 1-unit copy: nothing of the
    # declared size is allocated before the weights are known to be there
    tiny = dict(config, layers=[dict(layer, in_features=1, out_features=1) for layer in layers])
    try:
        SequentialModel.from_config(tiny)
    except (TypeError, ValueError) as exc:
        raise bad(str(exc)) from None
    shapes = {}
    for i, layer in enumerate(layers):
        shapes[f"{i}.W"] = (layer["in_features"], layer["out_features"])
        shapes[f"{i}.b"] = (layer["out_features"],)
    return shapes, dtype


def _check_weight_names(archive, shapes, entries):
    """Every weight the architecture needs is in the archive, and nothing else."""
    present = {name[:-4] for name in entries if name != HEADER_NAME}
    missing = [n for n in shapes if n not in present]
    unexpected = sorted(present - set(shapes))
    problems = []
    if missing:
        problems.append(f"missing weights: {', '.join(missing)}")
    if unexpected:
        problems.append(f"unexpected weights: {', '.join(unexpected)}")
    if problems:
        raise archive.fail("does not match its architecture: " + "; ".join(problems))


def _short(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."
