"""The layers' import rule (docs/architecture.md), checked over the import graph.

The domain imports neither transport, realtime/ does not import the HTTP API, the HTTP
API does not import realtime/, and the video SFU imports nothing from ecabinet. Only
ecabinet/app.py and ecabinet/cli.py, the composition root, wire them together. Every
import counts, including those inside functions and under `if TYPE_CHECKING:`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ecabinet", "realtime")
SKIPPED = ("ecabinet/migrations/",)
COMPOSITION_ROOT = {"ecabinet.app", "ecabinet.cli"}


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _rule(module: str) -> tuple[tuple[str, ...], str]:
    """The module prefixes `module` may not import, and why."""
    if _under(module, "realtime.sfu"):
        return ("ecabinet",), "realtime/sfu is standalone: it imports nothing from ecabinet"
    if _under(module, "realtime"):
        return ("ecabinet.api",), "realtime/ is the sibling of api/: it does not import it"
    if _under(module, "ecabinet.api"):
        return ("realtime",), "api/ is the sibling of realtime/: it does not import it"
    if module in COMPOSITION_ROOT or not _under(module, "ecabinet"):
        return (), ""
    return ("ecabinet.api", "realtime"), "the domain imports neither transport"


def _module(rel: str) -> tuple[str, bool]:
    """The dotted name of a file under the repository, and whether it is a package."""
    parts = rel.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _imports(rel: str, source: str) -> Iterator[tuple[ast.stmt, list[str]]]:
    """Every import statement of a file with the absolute module names it may load."""
    module, is_package = _module(rel)
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source, rel)):
        if isinstance(node, ast.Import):
            yield node, [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from ecabinet import api` loads ecabinet.api: count each name as a submodule.
            yield node, [base, *(f"{base}.{a.name}" for a in node.names if a.name != "*")]


def violations(rel: str, source: str) -> list[str]:
    """The forbidden imports of one file (path relative to the repository, with `/`)."""
    forbidden, reason = _rule(_module(rel)[0])
    found = []
    for node, names in _imports(rel, source):
        if any(_under(name, prefix) for name in names for prefix in forbidden):
            found.append(f"{rel}:{node.lineno}: `{ast.unparse(node)}`: {reason}")
    return found


def _sources() -> list[str]:
    files = (p.relative_to(ROOT).as_posix()
             for package in PACKAGES for p in (ROOT / package).rglob("*.py"))
    return sorted(rel for rel in files if not rel.startswith(SKIPPED))


def test_every_layer_is_checked() -> None:
    """The rule cannot pass by finding nothing to check."""
    sources = _sources()
    for expected in ("ecabinet/meetings.py", "ecabinet/api/meetings.py", "realtime/hub.py",
                     "realtime/sfu/room.py"):
        assert expected in sources
    assert not any(rel.startswith("ecabinet/migrations/") for rel in sources)


def test_layers_import_only_what_they_may() -> None:
    """No layer imports what docs/architecture.md forbids it."""
    found = [v for rel in _sources() for v in violations(rel, (ROOT / rel).read_text("utf-8"))]
    assert not found, "forbidden imports:\n" + "\n".join(found)


def test_the_checker_catches_forbidden_imports() -> None:
    """Absolute, relative, package-level and lazy imports are all seen."""
    domain = violations("ecabinet/voting.py", "\n".join([
        "from ecabinet.api import payload",
        "from .api.context import COOKIE",
        "from ecabinet import api",
        "from ecabinet import errors, payload",
        "def later():",
        "    import realtime.hub",
    ]))
    assert [v.split(": `")[0] for v in domain] == [
        "ecabinet/voting.py:1", "ecabinet/voting.py:2", "ecabinet/voting.py:3",
        "ecabinet/voting.py:6",
    ]
    assert "`from ecabinet.api import payload`: the domain imports neither" in domain[0]
    assert violations("realtime/hub.py", "from ecabinet.api.context import COOKIE")
    assert not violations("realtime/hub.py", "from ecabinet import accounts, eventlog")
    assert violations("realtime/sfu/room.py", "from ecabinet.config import Settings")
    assert violations("realtime/sfu/__init__.py", "from ecabinet import video")
    assert not violations("realtime/sfu/__init__.py", "from .room import Room")
    assert violations("ecabinet/api/voting.py", "from realtime.hub import Hub")
    assert not violations("ecabinet/app.py", "from realtime.hub import Hub")
    assert not violations("ecabinet/cli.py", "from ecabinet.api import health")
