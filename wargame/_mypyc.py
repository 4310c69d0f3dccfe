"""``mypyc_attr`` for the optional mypyc build, without a runtime dependency.

The decorator marks classes for mypyc (a compiled build reads it at compile time); at run time
it does nothing. ``mypy_extensions`` ships with mypy, not with the package, so a plain install
uses the stand-in below. See setup.py for the modules compiled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_extensions import mypyc_attr
else:
    try:
        from mypy_extensions import mypyc_attr
    except ImportError:  # pure Python without mypy installed: the decorator is a no-op

        def mypyc_attr(*attrs: Any, **kwattrs: Any) -> Any:
            return lambda cls: cls


__all__ = ["mypyc_attr"]
