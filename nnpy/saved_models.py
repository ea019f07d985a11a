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

Loading trusts nothing: every size is checked against a cap *before*
anything is allocated or decompressed (the zip directory, the ``.npy``
headers, the architecture), decompression never produces more than the
directory declared (so a zip bomb whose directory lies is stopped too), and
the JSON is parsed with duplicate keys, NaN and Infinity refused. Every
problem raises :class:`ModelFileError`, one type, whose message says what is
wrong: not our format (a pickle, say), truncated, damaged, too large,
unknown layer or activation, missing, extra or mis-shaped weights, wrong
dtype, NaN or infinite values.
"""

import ast
import hashlib
import io
import json
import math
import os
import re
import stat
import struct
import tempfile
import zipfile
import zlib
from collections import namedtuple

import numpy as np

from ._version import __version__
from .model import SequentialModel

FORMAT = "nnpy-model"
FORMAT_VERSION = 1
HEADER_NAME = "nnpy.json"
CHECKSUM_PREFIX = b"nnpy-sha256:"

MAX_BYTES = 512 * 2**20          # default cap on the weights' total size
MAX_HEADER_BYTES = 16 * 2**20    # cap on nnpy.json
MAX_NPY_HEADER = 10000           # numpy's own default cap on a .npy header
MAX_LAYERS = 1024
MAX_ENTRIES = 2 * MAX_LAYERS + 1
MAX_FEATURES = 2**31 - 1         # per layer side
_MAX_JSON_DEPTH = 64
_CHUNK = 1 << 20
_MAX_DIRECTORY_RECORD = 1024     # a directory record with its name, extra field and comment
_DEFLATE_MAX_RATIO = 1032        # deflate cannot expand more than this
_EOCD = struct.Struct("<4s4H2LH")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_LOCAL = struct.Struct("<4s5H3L2H")
_SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")
_FLOAT_DESCR = {"float32": "<f4", "float64": "<f8"}
_HEADER_KEYS = {"format", "format_version", "nnpy_version", "model", "metadata"}

_Entry = namedtuple("_Entry", "name method flags crc csize usize offset")


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
    metadata = {} if metadata is None else _plain_json(metadata, "metadata")
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
    data = buffer.getvalue()
    # zipfile wrote a comment-less end record: the last 22 bytes. Sign what precedes it.
    if data[-_EOCD.size:-_EOCD.size + 4] != b"PK\x05\x06" or data[-2:] != b"\0\0":
        raise RuntimeError("unexpected zip layout from zipfile")  # pragma: no cover
    comment = CHECKSUM_PREFIX + hashlib.sha256(data[:-_EOCD.size]).hexdigest().encode("ascii")
    return data[:-2] + struct.pack("<H", len(comment)) + comment


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


def _plain_json(value, where, depth=0):
    """``value`` as plain JSON data (NumPy scalars and arrays converted), or ValueError naming where."""
    if depth > _MAX_JSON_DEPTH:
        raise ValueError(f"{where} is nested more than {_MAX_JSON_DEPTH} levels deep")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.ndarray):
        value = value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where} is {value}; JSON metadata must be finite")
        return value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where} has the key {key!r}; JSON keys must be strings")
            out[key] = _plain_json(item, f"{where}[{key!r}]", depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [_plain_json(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value)]
    raise ValueError(f"{where} is a {type(value).__name__}; metadata must be JSON data "
                     "(dict, list, str, int, float, bool, None)")


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
    reader = _Reader(source, max_bytes)
    try:
        model, metadata = reader.load()
    except MemoryError:
        raise reader.fail("not enough memory to load this model") from None
    finally:
        reader.close()
    return (model, metadata) if return_metadata else model


def load_model_bytes(data, *, return_metadata=False, max_bytes=MAX_BYTES):
    """:func:`load_model` for the bytes of a file (what the browser has)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ModelFileError(f"load_model_bytes needs bytes. Received: {type(data).__name__}")
    return load_model(data, return_metadata=return_metadata, max_bytes=max_bytes)


def _size(n):
    """``n`` bytes in words: ``'1.5 GB'``."""
    if n >= 2**50:
        return "more than 1,000 TB"
    for unit, scale in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


class _Reader:
    """One load: the source file, its size, and the checks in the order they run."""

    def __init__(self, source, max_bytes):
        self.f = None
        self.own_file = False
        self.origin = "the model file"
        self._starts = {}      # entry name -> offset of its data
        self._cd_offset = 0    # where the zip directory starts
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
            raise ModelFileError(f"max_bytes must be a positive int. Received: {max_bytes!r}")
        self.max_bytes = max_bytes
        self.file_limit = max_bytes + MAX_HEADER_BYTES + MAX_ENTRIES * (MAX_NPY_HEADER + 1024)
        try:
            self._open(source)
        except BaseException:
            self.close()
            raise

    def fail(self, message):
        return ModelFileError(message, self.origin)

    def close(self):
        if self.own_file and self.f is not None:
            self.f.close()

    # -- the source ------------------------------------------------------------------

    def _open(self, source):
        if isinstance(source, (bytes, bytearray, memoryview)):
            self.origin = "the model data"
            data = bytes(source)
            self.f, self.size = io.BytesIO(data), len(data)
        elif isinstance(source, (str, os.PathLike)):
            path = os.fspath(source)
            if isinstance(path, bytes):
                path = os.fsdecode(path)
            self.origin = f"model file {path!r}"
            try:
                # stat first: opening a FIFO for reading would wait for a writer forever
                mode = os.stat(path).st_mode
                if stat.S_ISDIR(mode):
                    raise self.fail("is a directory, not a model file")
                if not stat.S_ISREG(mode):
                    raise self.fail("is not a regular file")
                self.f = open(path, "rb")
            except OSError as exc:
                raise self.fail(f"cannot be read: {exc.strerror or exc}") from None
            self.own_file = True
            self.size = os.fstat(self.f.fileno()).st_size
        elif hasattr(source, "read"):
            self.origin = "the model file"
            try:
                data = source.read(self.file_limit + 1)
            except (OSError, ValueError) as exc:   # ValueError: a closed file
                raise self.fail(f"cannot be read: {exc}") from None
            if isinstance(data, str):
                raise self.fail("was opened in text mode; open it with 'rb'")
            if not isinstance(data, (bytes, bytearray)):
                raise self.fail(f"read() returned {type(data).__name__}, not bytes")
            self.f, self.size = io.BytesIO(bytes(data)), len(data)
        else:
            raise ModelFileError("A model source is a path, bytes or a binary file object. "
                                 f"Received: {type(source).__name__}")
        if self.size == 0:
            raise self.fail("is empty (0 bytes)")
        if self.size > self.file_limit:
            raise self.fail(f"is too large: {_size(self.size)}, more than the "
                            f"{_size(self.file_limit)} limit for a model of at most "
                            f"{_size(self.max_bytes)} of weights")

    def _read_at(self, offset, n):
        self.f.seek(offset)
        data = self.f.read(n)
        if len(data) != n:
            raise self.fail("is truncated: it ends before its zip directory says")
        return data

    # -- the whole load, in order --------------------------------------------------------

    def load(self):
        end = self._find_end()
        if end is None:
            raise self._not_a_zip()
        eocd_offset, record, comment = end
        # A file nnpy wrote carries a SHA-256 of everything before its end record: check it
        # first, so any damage reads as damage. An unsigned zip is looked at (to say what it
        # is: a PyTorch pickle, a NumPy archive, a zip bomb) and then refused.
        signed = comment.startswith(CHECKSUM_PREFIX)
        if signed:
            self._check_checksum(eocd_offset, comment)
        entries = self._read_directory(eocd_offset, record)
        self._check_entries(entries)
        if not signed:
            raise self.fail("has no nnpy checksum (the zip comment): it was not written by "
                            "nnpy.save_model, or it is damaged")
        header = self._read_header(next(e for e in entries if e.name == HEADER_NAME))
        model = self._build_model(header["model"])
        self._read_weights(model, entries)
        return model, header.get("metadata", {})

    # -- zip structure ---------------------------------------------------------------------

    def _find_end(self):
        """``(offset, record, comment)`` of the zip end record whose comment ends the file, or None."""
        tail_len = min(self.size, _EOCD.size + 0xFFFF)
        tail = self._read_at(self.size - tail_len, tail_len)
        pos = tail.rfind(b"PK\x05\x06")
        while pos >= 0:
            if pos + _EOCD.size <= len(tail):
                comment_len = struct.unpack_from("<H", tail, pos + 20)[0]
                if pos + _EOCD.size + comment_len == len(tail):
                    return (self.size - tail_len + pos, tail[pos:pos + _EOCD.size],
                            tail[pos + _EOCD.size:])
            pos = tail.rfind(b"PK\x05\x06", 0, pos)
        return None

    def _not_a_zip(self):
        """The error for a file with no zip end record: name what it is, if we can."""
        head = self._read_at(0, min(self.size, 512))
        last = self._read_at(self.size - 1, 1)
        if (head[:1] == b"\x80" and len(head) > 1 and 2 <= head[1] <= 5) or \
                (last == b"." and head[:1] in (b"(", b"c", b"]", b"}")):
            return self.fail("is a pickle file; nnpy never loads pickles (they can run any "
                             "code). Save the model with nnpy.save_model")
        if head.startswith(b"\x93NUMPY"):
            return self.fail("is a single NumPy .npy array, not an nnpy model file")
        if head.startswith(b"\x89HDF\r\n\x1a\n"):
            return self.fail("is an HDF5 file (a Keras .h5?), not an nnpy model file")
        if len(head) >= 10 and head[8:10] in (b'{"', b"{'", b"{ ") and \
                struct.unpack("<Q", head[:8])[0] <= self.size - 8:
            return self.fail("is a safetensors file (weights without an architecture), not an "
                             "nnpy model file")
        if head.startswith(b"PK") or b"PK\x03\x04".startswith(head):
            return self.fail("is truncated or damaged: the zip end record is missing")
        if all(b >= 0x20 or b in (9, 10, 13) for b in head):
            start = head[:40].decode("utf-8", "replace").split("\n")[0]
            return self.fail(f"is a text file (it starts {start!r}), not an nnpy model file")
        return self.fail("is not an nnpy model file (not a zip archive; it may be truncated "
                         "or damaged)")

    def _read_directory(self, eocd_offset, record):
        _, disk, cd_disk, n_disk, n_total, cd_size, cd_offset, _ = _EOCD.unpack(record)
        if n_total == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
            raise self.fail("uses ZIP64 records, which nnpy model files never need "
                            "(damaged, or not an nnpy model file)")
        if disk or cd_disk or n_disk != n_total:
            raise self.fail("is damaged: its zip end record describes a multi-part archive")
        if n_total > MAX_ENTRIES:
            raise self.fail(f"has {n_total} zip entries, more than the {MAX_ENTRIES} limit")
        if n_total == 0:
            raise self.fail("is an empty zip archive, not an nnpy model file")
        if cd_offset + cd_size != eocd_offset:
            raise self.fail("is damaged or truncated: the zip directory is not where its end "
                            "record says")
        if cd_size > n_total * _MAX_DIRECTORY_RECORD:
            raise self.fail(f"is damaged: its zip directory is {_size(cd_size)}, more than "
                            f"{n_total} entries need")
        self._cd_offset = cd_offset
        directory = self._read_at(cd_offset, cd_size)
        entries, pos = [], 0
        for _ in range(n_total):
            if pos + _CENTRAL.size > len(directory) or \
                    directory[pos:pos + 4] != b"PK\x01\x02":
                raise self.fail("is damaged: a zip directory record is broken")
            (_, _, _, flags, method, _, _, crc, csize, usize, name_len, extra_len,
             comment_len, _, _, _, offset) = _CENTRAL.unpack_from(directory, pos)
            raw_name = directory[pos + _CENTRAL.size:pos + _CENTRAL.size + name_len]
            pos += _CENTRAL.size + name_len + extra_len + comment_len
            if pos > len(directory):
                raise self.fail("is damaged: a zip directory record is broken")
            try:
                name = raw_name.decode("ascii")
            except UnicodeDecodeError:
                raise self.fail(f"has the zip entry name {raw_name!r}, which is not ASCII "
                                "(damaged, or not an nnpy model file)") from None
            entries.append(_Entry(name, method, flags, crc, csize, usize, offset))
        if pos != len(directory):
            raise self.fail("is damaged: the zip directory has trailing bytes")
        return entries

    def _check_entries(self, entries):
        """Names, duplicates, sizes and placement of every entry, before any is read."""
        seen = set()
        for e in entries:
            parts = re.split(r"[/\\]", e.name)
            if parts[-1].endswith((".pkl", ".pickle")):
                raise self.fail(f"holds a pickle ({e.name!r}; a PyTorch or joblib file?); "
                                "nnpy never loads pickles")
            if e.name.startswith(("/", "\\")) or ".." in parts or len(parts) > 1 or \
                    re.match(r"[A-Za-z]:", e.name):
                raise self.fail(f"has the unsafe zip entry name {e.name!r} (a path, as in a "
                                "path traversal attack); nnpy model files hold plain names only")
            if e.name in seen:
                raise self.fail(f"has a duplicate zip entry {e.name!r}")
            seen.add(e.name)
        if HEADER_NAME not in seen:
            npz = all(name.endswith(".npy") for name in seen)
            raise self.fail(f"is not an nnpy model file: it has no {HEADER_NAME}"
                            + (" (it looks like a NumPy .npz archive)" if npz else ""))
        for e in entries:
            if not _SAFE_NAME.match(e.name):
                raise self.fail(f"has the unexpected zip entry {e.name!r}")
            if e.name != HEADER_NAME and not e.name.endswith(".npy"):
                raise self.fail(f"has the unexpected zip entry {e.name!r} (only {HEADER_NAME} "
                                "and .npy arrays belong in an nnpy model file)")
            if e.flags & 0x1:
                raise self.fail(f"zip entry {e.name!r} is encrypted")
            if e.method not in (0, 8):
                raise self.fail(f"zip entry {e.name!r} uses compression method {e.method}; "
                                "nnpy reads stored and deflated entries only")
            limit = MAX_HEADER_BYTES if e.name == HEADER_NAME else \
                self.max_bytes + MAX_NPY_HEADER + 12
            if e.usize > limit:
                raise self.fail(f"zip entry {e.name!r} declares {_size(e.usize)} uncompressed, "
                                f"more than the {_size(limit)} limit")
            if e.method == 0 and e.csize != e.usize:
                raise self.fail(f"is damaged: stored zip entry {e.name!r} has different "
                                "compressed and uncompressed sizes")
            if e.method == 8 and e.usize > max(e.csize, 1) * _DEFLATE_MAX_RATIO:
                raise self.fail(f"zip entry {e.name!r} declares {_size(e.usize)} from "
                                f"{_size(e.csize)} of compressed data, more than deflate can "
                                "produce: a zip bomb or a damaged file")
        total = sum(e.usize for e in entries)
        total_limit = self.max_bytes + MAX_HEADER_BYTES + len(entries) * (MAX_NPY_HEADER + 12)
        if total > total_limit:
            raise self.fail(f"declares {_size(total)} uncompressed in all, more than the "
                            f"{_size(total_limit)} limit")
        # Entries must tile the archive: from byte 0, one after another, up to the directory.
        # Overlaps (a known zip bomb trick) and unexplained bytes (a polyglot) are refused.
        cd_offset, pos, prev_flags = self._cd_offset, 0, 0
        for e in sorted(entries, key=lambda e: e.offset):
            if not _adjacent(pos, e.offset, prev_flags):
                if e.offset < pos:
                    raise self.fail(f"is damaged: zip entry {e.name!r} overlaps another (an "
                                    "overlapping-entry zip bomb?)")
                raise self.fail(f"is damaged: {e.offset - pos} bytes before zip entry "
                                f"{e.name!r} belong to no entry (data added to the file?)")
            if e.offset + _LOCAL.size > cd_offset:
                raise self.fail(f"is damaged: zip entry {e.name!r} lies outside the archive")
            local = _LOCAL.unpack(self._read_at(e.offset, _LOCAL.size))
            sig, _, flags, method, _, _, _, _, _, name_len, extra_len = local
            start = e.offset + _LOCAL.size + name_len + extra_len
            if sig != b"PK\x03\x04" or method != e.method or (flags & 0x1) != (e.flags & 0x1) or \
                    self._read_at(e.offset + _LOCAL.size, name_len) != e.name.encode("ascii"):
                raise self.fail(f"is damaged: the local header of zip entry {e.name!r} does not "
                                "match the zip directory")
            if start + e.csize > cd_offset:
                raise self.fail(f"is truncated or damaged: zip entry {e.name!r} runs past the "
                                "end of its data")
            self._starts[e.name] = start
            pos, prev_flags = start + e.csize, e.flags
        if not _adjacent(pos, cd_offset, prev_flags):
            raise self.fail(f"is damaged: {cd_offset - pos} bytes before the zip directory "
                            "belong to no entry (data added to the file?)")

    def _check_checksum(self, eocd_offset, comment):
        expected = comment[len(CHECKSUM_PREFIX):]
        if not re.fullmatch(rb"[0-9a-f]{64}", expected):
            raise self.fail("is damaged: its nnpy checksum is malformed")
        digest = hashlib.sha256()
        self.f.seek(0)
        left = eocd_offset
        while left:
            chunk = self.f.read(min(_CHUNK, left))
            if not chunk:
                raise self.fail("is truncated")
            digest.update(chunk)
            left -= len(chunk)
        if digest.hexdigest().encode("ascii") != expected:
            raise self.fail("is damaged: its content does not match its nnpy checksum (SHA-256)")

    # -- the JSON header and the architecture ------------------------------------------------

    def _read_header(self, entry):
        stream = _Stream(self, entry)
        raw = stream.read(entry.usize)
        stream.finish()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise self.fail(f"{HEADER_NAME} is not valid UTF-8 JSON (byte {exc.start})") from None
        depth = _json_depth(text)
        if depth > _MAX_JSON_LOAD_DEPTH:
            # json's C parser recurses: in Pyodide a deep enough nest overflows the
            # JavaScript stack (a fatal error, not a RecursionError), so look first.
            raise self.fail(f"{HEADER_NAME} is JSON nested too deeply ({depth} levels; "
                            f"the limit is {_MAX_JSON_LOAD_DEPTH})")
        try:
            header = json.loads(text, object_pairs_hook=_no_duplicates,
                                parse_constant=_no_constants, parse_float=_finite_float,
                                parse_int=_short_int)
        except RecursionError:
            raise self.fail(f"{HEADER_NAME} is JSON nested too deeply") from None
        except ValueError as exc:
            raise self.fail(f"{HEADER_NAME} is malformed JSON: {exc}") from None
        if not isinstance(header, dict):
            raise self.fail(f"{HEADER_NAME} must hold a JSON object. Found: "
                            f"{_json_type(header)}")
        if header.get("format") != FORMAT:
            raise self.fail(f"is not an nnpy model file: {HEADER_NAME} has format "
                            f"{_short(header.get('format'))}, expected {FORMAT!r}")
        version = header.get("format_version")
        if isinstance(version, bool) or not isinstance(version, int):
            raise self.fail(f"{HEADER_NAME}: format_version must be an integer. Found: "
                            f"{_short(version)} ({_json_type(version)})")
        if version > FORMAT_VERSION:
            raise self.fail(f"uses format version {version}, newer than this nnpy "
                            f"({__version__}) reads (up to {FORMAT_VERSION}); upgrade nnpy")
        if version < 1:
            raise self.fail(f"{HEADER_NAME}: format_version {version} does not exist")
        unknown = sorted(set(header) - _HEADER_KEYS)
        if unknown:
            raise self.fail(f"{HEADER_NAME} has unknown fields: {', '.join(map(repr, unknown))}")
        if "nnpy_version" in header and not isinstance(header["nnpy_version"], str):
            raise self.fail(f"{HEADER_NAME}: nnpy_version must be a string. Found: "
                            f"{_json_type(header['nnpy_version'])}")
        if not isinstance(header.get("model"), dict):
            raise self.fail(f"{HEADER_NAME}: 'model' must be a JSON object (the architecture). "
                            f"Found: {_json_type(header.get('model'))}")
        if not isinstance(header.get("metadata", {}), dict):
            raise self.fail(f"{HEADER_NAME}: 'metadata' must be a JSON object. Found: "
                            f"{_json_type(header['metadata'])}")
        return header

    def _build_model(self, config):
        """Check the architecture's types and size, then build it (untrained)."""
        def bad(message):
            return self.fail(f"bad architecture: {message}")

        cls = config.get("class", "SequentialModel")
        if cls != "SequentialModel":
            raise bad(f"unknown model class {_short(cls)}; nnpy knows: SequentialModel")
        dtype = config.get("dtype", "float64")
        if not isinstance(dtype, str) or dtype not in _FLOAT_DESCR:
            raise bad(f"unknown dtype {_short(dtype)}; expected 'float32' or 'float64'")
        layers = config.get("layers")
        if not isinstance(layers, list) or not layers:
            raise bad(f"'layers' must be a non-empty list. Found: {_json_type(layers)}")
        if len(layers) > MAX_LAYERS:
            raise bad(f"{len(layers)} layers, more than the {MAX_LAYERS} limit")
        total = 0
        for i, layer in enumerate(layers):
            if not isinstance(layer, dict):
                raise bad(f"layer {i} must be a JSON object. Found: {_json_type(layer)}")
            kind = layer.get("class", "Dense")
            if kind != "Dense":
                raise bad(f"layer {i}: unknown layer class {_short(kind)}; nnpy knows: Dense")
            for key in ("in_features", "out_features"):
                value = layer.get(key)
                if isinstance(value, bool) or not isinstance(value, int) or \
                        not 1 <= value <= MAX_FEATURES:
                    raise bad(f"layer {i}: {key} must be an integer in 1..{MAX_FEATURES}. "
                              f"Found: {_short(value)} ({_json_type(value)})")
            activation = layer.get("activation")
            if isinstance(activation, dict):
                for key, value in activation.items():
                    if key != "name" and (isinstance(value, bool) or
                                          not isinstance(value, (int, float))):
                        raise bad(f"layer {i}: activation setting {key!r} must be a number. "
                                  f"Found: {_short(value)} ({_json_type(value)})")
            total += layer["in_features"] * layer["out_features"] + layer["out_features"]
        nbytes = total * np.dtype(dtype).itemsize
        if nbytes > self.max_bytes:
            raise self.fail(f"declares an architecture of {total:,} parameters ({_size(nbytes)}), "
                            f"more than the {_size(self.max_bytes)} limit")
        try:
            return SequentialModel.from_config(config, seed=0)
        except (TypeError, ValueError) as exc:
            raise bad(str(exc)) from None

    # -- the weights -------------------------------------------------------------------------

    def _read_weights(self, model, entries):
        expected = {name: param for name, param, _ in model.parameters()}
        present = {e.name[:-4] for e in entries if e.name != HEADER_NAME}
        missing = [n for n in expected if n not in present]
        unexpected = sorted(present - set(expected))
        problems = []
        if missing:
            problems.append(f"missing weights: {', '.join(missing)}")
        if unexpected:
            problems.append(f"unexpected weights: {', '.join(unexpected)}")
        if problems:
            raise self.fail("does not match its architecture: " + "; ".join(problems))
        descr = _FLOAT_DESCR[model.dtype.name]
        by_name = {e.name: e for e in entries}
        state = {}
        for name, param in expected.items():
            state[name] = self._read_array(by_name[name + ".npy"], name, param.shape, descr)
        model.load_state_dict(state)

    def _read_array(self, entry, name, shape, descr):
        label = f"weights {name}"
        stream = _Stream(self, entry)
        if entry.usize < 10:
            raise self.fail(f"{label} ({entry.name}) is too short to be a .npy array")
        magic = stream.read(8)
        if magic[:1] == b"\x80" and 2 <= magic[1] <= 5:
            raise self.fail(f"{label} ({entry.name}) is a pickle; nnpy never loads pickles")
        if magic[:6] != b"\x93NUMPY":
            raise self.fail(f"{label} ({entry.name}) is not a .npy array")
        major = magic[6]
        if major == 1:
            prefix, header_len = 10, struct.unpack("<H", stream.read(2))[0]
        elif major in (2, 3):
            prefix, header_len = 12, struct.unpack("<I", stream.read(4))[0]
        else:
            raise self.fail(f"{label}: unsupported .npy format version {major}.{magic[7]}")
        if header_len > MAX_NPY_HEADER:
            raise self.fail(f"{label}: the .npy header is {_size(header_len)}, more than the "
                            f"{MAX_NPY_HEADER}-byte limit")
        if prefix + header_len > entry.usize:
            raise self.fail(f"{label}: the .npy header is truncated")
        text = stream.read(header_len).decode("latin-1" if major < 3 else "utf-8", "replace")
        try:
            fields = _literal(text)
        except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
            raise self.fail(f"{label}: the .npy header is malformed: {text[:60]!r}") from None
        if not isinstance(fields, dict) or set(fields) != {"descr", "fortran_order", "shape"}:
            raise self.fail(f"{label}: the .npy header is malformed (it needs exactly descr, "
                            f"fortran_order and shape): {text[:60]!r}")
        got_descr, fortran, got_shape = fields["descr"], fields["fortran_order"], fields["shape"]
        if not isinstance(fortran, bool):
            raise self.fail(f"{label}: the .npy header's fortran_order is not True or False")
        if not isinstance(got_shape, tuple) or not all(
                isinstance(d, int) and not isinstance(d, bool) for d in got_shape):
            raise self.fail(f"{label}: the .npy header's shape {_short(got_shape)} is not a "
                            "tuple of integers")
        if any(d < 0 for d in got_shape):
            raise self.fail(f"{label}: the .npy header's shape {got_shape} has a negative size")
        if got_descr != descr:
            raise self.fail(f"{label} have dtype {_describe_dtype(got_descr)}; this "
                            f"{np.dtype(descr).name} model needs little-endian "
                            f"{np.dtype(descr).name} ({descr!r})")
        itemsize = np.dtype(descr).itemsize
        nbytes = math.prod(got_shape) * itemsize
        if nbytes > self.max_bytes:
            raise self.fail(f"{label}: the .npy header declares shape {_short(got_shape)}: "
                            f"{_size(nbytes)} of data, more than the {_size(self.max_bytes)} limit")
        if got_shape != tuple(shape):
            raise self.fail(f"{label} have shape {got_shape}, but the architecture needs "
                            f"{tuple(shape)}")
        if prefix + header_len + nbytes != entry.usize:
            raise self.fail(f"{label}: the zip entry holds {entry.usize - prefix - header_len} "
                            f"bytes of data, but shape {got_shape} needs {nbytes} (truncated "
                            "or padded)")
        buffer = bytearray(nbytes)
        stream.readinto(memoryview(buffer))
        stream.finish()
        array = np.frombuffer(buffer, dtype=descr).reshape(shape, order="F" if fortran else "C")
        if not np.all(np.isfinite(array)):
            bad = int(np.sum(~np.isfinite(array)))
            raise self.fail(f"{label} hold {bad} NaN or infinite value(s)")
        return array


class _Stream:
    """The uncompressed bytes of one zip entry, never more than its declared size."""

    def __init__(self, reader, entry):
        self.reader = reader
        self.entry = entry
        self.pos = reader._starts[entry.name]
        self.raw_left = entry.csize
        self.produced = 0
        self.crc = 0
        self.inflater = zlib.decompressobj(-15) if entry.method == 8 else None
        self.pending = b""

    def _fail(self, message):
        return self.reader.fail(f"zip entry {self.entry.name!r} {message}")

    def _raw(self, n):
        n = min(n, self.raw_left)
        data = self.reader._read_at(self.pos, n) if n else b""
        self.pos += n
        self.raw_left -= n
        return data

    def _inflate(self, limit):
        if not self.pending:
            if self.inflater.eof:
                raise self._fail("is damaged: its compressed data ends before its declared size")
            self.pending = self._raw(_CHUNK)
            if not self.pending:
                raise self._fail("is truncated or damaged: its compressed data ends early")
        try:
            out = self.inflater.decompress(self.pending, limit)
        except zlib.error as exc:
            raise self._fail(f"is damaged: its compressed data is invalid ({exc})") from None
        self.pending = self.inflater.unconsumed_tail
        if self.inflater.eof:
            if self.inflater.unused_data or self.raw_left:
                raise self._fail("is damaged: bytes follow the end of its compressed data")
            self.pending = b""
        return out

    def readinto(self, view):
        need = len(view)
        if self.produced + need > self.entry.usize:
            raise self._fail("is shorter than its content needs (truncated?)")
        filled = 0
        while filled < need:
            if self.inflater is None:
                chunk = self._raw(min(need - filled, _CHUNK))
            else:
                chunk = self._inflate(need - filled)
            view[filled:filled + len(chunk)] = chunk
            filled += len(chunk)
        self.crc = zlib.crc32(view, self.crc)
        self.produced += need

    def read(self, n):
        buffer = bytearray(n)
        self.readinto(memoryview(buffer))
        return bytes(buffer)

    def finish(self):
        """Check the entry ends exactly at its declared size and its CRC-32 matches."""
        if self.produced != self.entry.usize:
            raise self._fail(f"holds {self.entry.usize} bytes, more than its content needs "
                             f"({self.produced}): damaged or padded")
        if self.inflater is not None:
            while not self.inflater.eof:
                if self._inflate(1):
                    raise self._fail(f"decompresses to more than its declared "
                                     f"{_size(self.entry.usize)}: a zip bomb whose directory "
                                     "lies, or a damaged file")
        if (self.crc & 0xFFFFFFFF) != self.entry.crc:
            raise self._fail("is damaged: its CRC-32 does not match")


def _adjacent(end, offset, flags):
    """True when the next record at ``offset`` follows data ending at ``end`` (after the
    optional 12- or 16-byte data descriptor that flag bit 3 announces)."""
    return offset == end or (flags & 0x8 and offset - end in (12, 16))


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def _short_int(text):
    if len(text) > 100:  # long digit strings cost quadratic time to convert
        raise ValueError(f"an integer of {len(text)} digits")
    return int(text)


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_PY_STRING = re.compile(r"'[^'\\]*(?:\\.[^'\\]*)*'" + r'|"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_MAX_JSON_LOAD_DEPTH = 100


def _json_depth(text):
    """The deepest nesting of ``[`` and ``{`` in JSON text, strings ignored; linear, bounded memory."""
    data = _JSON_STRING.sub("0", text).encode("utf-8")
    depth = peak = 0
    for start in range(0, len(data), _CHUNK):
        chunk = np.frombuffer(data, dtype=np.uint8, count=min(_CHUNK, len(data) - start),
                              offset=start)
        step = ((chunk == 91) | (chunk == 123)).astype(np.int64)
        step -= (chunk == 93) | (chunk == 125)
        running = np.cumsum(step) + depth
        peak, depth = max(peak, int(running.max())), int(running[-1])
    return peak


def _literal(text):
    """``ast.literal_eval`` of a .npy header, after checking it is simple.

    literal_eval never runs code, but its parser recurses on nesting and on chains
    of operators; deep enough, that overflows the stack of a browser's Python. A
    header is a flat dict of strings, booleans and a tuple of integers, so anything
    deeper or with other words and operators is refused first.
    """
    bare = _PY_STRING.sub("''", text)
    if not re.fullmatch(r"[\s\w(){}\[\],:.'\-]*", bare, re.ASCII) or re.search(r"-\s*-", bare):
        raise ValueError("unexpected characters")
    if set(re.findall(r"[A-Za-z_]\w*", bare)) - {"True", "False", "None"}:
        raise ValueError("unexpected words")
    depth = peak = 0
    for char in bare:
        if char in "([{":
            depth += 1
            peak = max(peak, depth)
        elif char in ")]}":
            depth -= 1
    if peak > 8:
        raise ValueError("nested too deeply")
    return ast.literal_eval(text)  # literals only: never runs code


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise ValueError(f"duplicate key {dup!r}")
    return dict(pairs)


def _no_constants(name):
    raise ValueError(f"{name} is not a number in JSON")


def _json_type(value):
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            int: "an integer", float: "a number", type(None): "null"}.get(type(value),
                                                                           type(value).__name__)


def _short(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _describe_dtype(descr):
    """Words for a .npy descr, naming the problem: objects, big-endian, complex, integers..."""
    if not isinstance(descr, str):
        return f"{_short(descr)} (a structured dtype)"
    try:
        dtype = np.dtype(descr)
    except (TypeError, ValueError):
        return f"{descr!r} (not a NumPy dtype)"
    if dtype.hasobject:
        return f"{descr!r}: Python objects (pickled data, which nnpy never loads)"
    kinds = {"c": "complex", "i": "integer", "u": "unsigned integer", "b": "boolean",
             "U": "text", "S": "bytes", "V": "raw void", "M": "datetime", "m": "timedelta"}
    if dtype.kind == "f" and dtype.byteorder == ">":
        return f"{descr!r} (big-endian {dtype.name})"
    if dtype.kind in kinds:
        return f"{descr!r} ({kinds[dtype.kind]})"
    return f"{descr!r} ({dtype.name})"
