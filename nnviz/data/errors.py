"""The one exception the data package raises for missing or broken files."""

from __future__ import annotations


class DatasetError(Exception):
    """A dataset file is missing, unreadable or not what it should be.

    The message names the file, says what was expected and what was found,
    and (for a missing file) where nnviz looked and how to get it.
    """


class ImageError(DatasetError):
    """An image given for prediction cannot be read or turned into network input."""
