"""pglast's parser without the parts of pglast that linting never uses.

Importing pglast's parser imports the whole package, and its `enums` and `ast` modules (a Python
class for every node and enum of PostgreSQL's parse trees) take longer to import than linting a
small migration does. The linter reads the parser's JSON and uses neither; the database commands
use `pglast.ast` and the printers, which use both. So each is put in sys.modules as a placeholder
that runs the real module in itself the first time one of its names is asked for: code that
uses them finds them as before, and a run that does not never pays for them.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
import threading
from importlib.machinery import ModuleSpec
from types import ModuleType

DEFERRED = ("pglast.enums", "pglast.ast")


def defer_unused_modules() -> None:
    """Put the placeholders in place, before anything imports pglast."""
    if "pglast" in sys.modules:
        return  # imported already, all of it
    package = importlib.util.find_spec("pglast")  # finds it without importing it
    if package is None or package.submodule_search_locations is None:
        return  # not installed: the import that needs it says so
    for name in DEFERRED:
        spec = importlib.machinery.PathFinder.find_spec(name, package.submodule_search_locations)
        # A pglast laid out otherwise is imported as it is, all of it.
        if spec is not None and spec.loader is not None:
            sys.modules[name] = _placeholder(spec)


def _placeholder(spec: ModuleSpec) -> ModuleType:
    """The module, empty until one of its names is asked for (a module's __getattr__ is asked
    only for names it lacks); then the real module runs in it, once."""
    module = importlib.util.module_from_spec(spec)
    lock = threading.RLock()  # a thread asking meanwhile waits for the whole module
    ran = False

    def load(name: str) -> object:
        nonlocal ran
        with lock:
            if not ran:
                ran = True
                assert spec.loader is not None  # checked by defer_unused_modules
                spec.loader.exec_module(module)
                if module.__dict__.get("__getattr__") is load:
                    del module.__dict__["__getattr__"]
        try:
            return module.__dict__[name]
        except KeyError:
            # Asked while the module runs (a circular import), or a name it does not have.
            raise AttributeError(f"module {spec.name!r} has no attribute {name!r}") from None

    module.__dict__["__getattr__"] = load
    return module
