"""Exceptions for expected failures: bad input files or values the user can fix.

The ``hdf-bench`` command line prints the message of a :class:`UserError` (and of the
built-in ``ValueError`` / ``OSError`` raised for bad input) as one line and exits with code 2;
``--debug`` shows the traceback. Each class takes one message argument, so that mmengine's
registry and torch's data loader workers can re-raise it with a longer message.
"""
from __future__ import annotations


class UserError(Exception):
    """An expected failure caused by an input; its message names the path or value."""


class BadFileError(UserError, ValueError):
    """A file exists but its content is not what was expected (empty, truncated, garbled)."""


class CheckpointError(BadFileError):
    """A checkpoint file cannot be read as a PyTorch checkpoint."""
