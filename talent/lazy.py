"""A library imported on first use rather than with the module that names it: a command
that never touches it (``talent mine git`` with nothing new, a cached ranking) does not
pay for loading it.

    if TYPE_CHECKING:
        import pandas as pd
    else:
        pd = LazyModule("pandas")

mypy sees the real module; at run time the first attribute read imports it.
"""

from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    """The module ``name``, imported when an attribute is first read.

    >>> json = LazyModule("json")
    >>> json.dumps([1])
    '[1]'
    """

    def __init__(self, name: str) -> None:
        self._lazy_name = name

    def __getattr__(self, attr: str) -> Any:
        module = importlib.import_module(self._lazy_name)
        # Later reads of what the module holds now are plain attribute reads.
        self.__dict__.update(vars(module))
        return getattr(module, attr)
