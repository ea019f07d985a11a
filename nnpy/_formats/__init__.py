"""Private readers of untrusted files (the defences behind :mod:`nnpy.saved_models` and
:mod:`nnpy.interop`); nothing here is public API."""
