"""The engines behind the pages: plain Python data in, NumPy arrays out, no JavaScript.

``import nnpy`` never imports this package; the pages' Web Worker imports
``nnpy.browser.playground`` or ``nnpy.browser.mnist`` by name. Everything here is
unit-tested in CPython.
"""
