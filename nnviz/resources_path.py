"""Where nnviz's shipped resources (presets, icons) are.

In an installed nnviz the build maps the repository's top-level
``resources/`` folder to the ``nnviz.resources`` package. Running from a
source checkout without installing (``PYTHONPATH=.``) there is no such
package, so the checkout's own ``resources/`` folder is used.
"""

from __future__ import annotations

from importlib import resources
from importlib.util import find_spec
from pathlib import Path


def resource_root():
    """A Traversable for the resources folder."""
    if find_spec("nnviz.resources") is not None:
        return resources.files("nnviz.resources")
    checkout = Path(__file__).resolve().parent.parent / "resources"
    if (checkout / "presets").is_dir():
        return checkout
    raise FileNotFoundError("nnviz's resources are missing: reinstall nnviz (pip install .).")
