"""Every action the server can write to the audit log has a Vietnamese and an English label,
found by reading the source: a new `audit.record(...)` without a label fails here."""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecabinet import audit_labels, meetings

ROOT = Path(__file__).resolve().parents[1]
# The recorder itself (audit.py) only passes on what its callers give it.
SOURCES = [p for folder in ("ecabinet", "realtime") for p in sorted((ROOT / folder).rglob("*.py"))
           if p != ROOT / "ecabinet" / "audit.py"]

# Dynamic actions whose parts come from outside the module, and where they are listed:
# `meetings.transition(name=...)` takes the name from the URL, checked against TRANSITIONS.
OUTSIDE = {("ecabinet/meetings.py", "transition", "name"): set(meetings.TRANSITIONS)}


def _called(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _action_argument(node: ast.Call) -> ast.expr | None:
    # audit.record(session, "x.y", ...) and AuditRecord(action="x.y", ...); record_many takes
    # AuditRecords, which are found where they are made.
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr == "record" \
            and isinstance(func.value, ast.Name) and func.value.id == "audit":
        position = 1
    elif _called(node) == "AuditRecord":
        position = 0
    else:
        return None
    for keyword in node.keywords:
        if keyword.arg == "action":
            return keyword.value
    return node.args[position] if len(node.args) > position else None


class _Module:
    """One source file, able to say which strings an expression inside a function can be."""

    def __init__(self, path: Path) -> None:
        self.name = path.relative_to(ROOT).as_posix()
        self.tree = ast.parse(path.read_text("utf-8"))
        self.functions = {f.name: f for f in ast.walk(self.tree)
                          if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}

    def actions(self) -> Iterator[tuple[int, set[str]]]:
        """Each recording call's line and the actions it can record."""
        for function in self.functions.values():
            for node in ast.walk(function):
                if isinstance(node, ast.Call) and (arg := _action_argument(node)) is not None:
                    yield node.lineno, self.values(arg, function, 0)

    def values(self, expr: ast.expr, function: ast.AST, depth: int) -> set[str]:
        """The strings `expr` may hold; an AssertionError when it cannot be told."""
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return {expr.value}
        if isinstance(expr, ast.IfExp):
            return self.values(expr.body, function, depth) | self.values(expr.orelse, function,
                                                                          depth)
        if isinstance(expr, ast.JoinedStr):
            parts = [self.values(v.value if isinstance(v, ast.FormattedValue) else v,
                                 function, depth) for v in expr.values]
            return {"".join(p) for p in itertools.product(*parts)}
        if isinstance(expr, ast.Name) and depth < 4:
            return self._name(expr.id, function, depth)
        raise AssertionError(f"{self.name}:{getattr(expr, 'lineno', '?')}: cannot tell which "
                             f"audit actions {ast.unparse(expr)!r} may be; list them in OUTSIDE")

    def _name(self, name: str, function: ast.AST, depth: int) -> set[str]:
        assert isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
        if (self.name, function.name, name) in OUTSIDE:
            return OUTSIDE[(self.name, function.name, name)]
        found: set[str] = set()
        for node in ast.walk(function):  # a local: every value assigned to it
            if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == name for t in node.targets):
                found |= self.values(node.value, function, depth + 1)
        params = [a.arg for a in function.args.posonlyargs + function.args.args]
        keywords = [a.arg for a in function.args.kwonlyargs]
        if name not in params and name not in keywords:
            if not found:
                raise AssertionError(f"{self.name}: {function.name}: {name} is never assigned")
            return found
        # A parameter: what every call in this module passes (the helper is private to it).
        calls = 0
        for caller in self.functions.values():
            for node in ast.walk(caller):
                if not (isinstance(node, ast.Call) and _called(node) == function.name):
                    continue
                passed = [k.value for k in node.keywords if k.arg == name]
                if not passed and name in params:
                    index = params.index(name) - (1 if params[0] in ("self", "cls") else 0)
                    if index < len(node.args) and not any(
                            isinstance(a, ast.Starred) for a in node.args[:index + 1]):
                        passed = [node.args[index]]
                for arg in passed:
                    calls += 1
                    found |= self.values(arg, caller, depth + 1)
        if not calls:
            raise AssertionError(f"{self.name}: {function.name}({name}=...) is called from "
                                 "elsewhere: list the actions it takes in OUTSIDE")
        return found


def recorded_actions() -> dict[str, str]:
    """Every action the source can record, with where it is recorded."""
    actions: dict[str, str] = {}
    for path in SOURCES:
        module = _Module(path)
        for line, values in module.actions():
            for value in values:
                actions.setdefault(value, f"{module.name}:{line}")
    return actions


def test_the_scan_finds_the_actions_it_must() -> None:
    found = recorded_actions()
    # Literal, conditional, f-string over a local, over a helper's parameter, and over the
    # meeting's transitions: if one of these went missing the scan itself would be broken.
    for action in ("user.login", "question.reopen", "video.recording_stop", "minutes.redraft",
                   "vote.change", "attendance.check_in", "consultation.return",
                   "task.reopen", "meeting.adjourn", "audit.export"):
        assert action in found, action
    assert len(found) > 80


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_recorded_action_has_a_label(language: str) -> None:
    missing = {action: where for action, where in recorded_actions().items()
               if not audit_labels.has_action_label(action, language)}
    assert not missing, f"add these to ecabinet/audit_labels.py ACTIONS: {missing}"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_family_and_object_type_has_a_label(language: str) -> None:
    families = {a.split(".", 1)[0] for a in recorded_actions()}
    assert families <= set(audit_labels.FAMILIES), families - set(audit_labels.FAMILIES)
    types = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "object_type" \
                    and isinstance(node.value, ast.Constant) and node.value.value:
                types.add(node.value.value)
    assert "meeting" in types and "ballot" in types
    assert types <= set(audit_labels.OBJECT_TYPES), types - set(audit_labels.OBJECT_TYPES)
    for table in (audit_labels.ACTIONS, audit_labels.FAMILIES, audit_labels.OBJECT_TYPES,
                  audit_labels.DATA_KEYS):
        for code, labels in table.items():
            assert labels.get(language, "").strip(), (code, language)


def test_labels_fall_back_to_the_code_for_what_the_table_does_not_know() -> None:
    assert audit_labels.action_label("meeting.publish", "vi") == "Phát hành cuộc họp"
    assert audit_labels.action_label("meeting.publish", "en") == "Publish a meeting"
    assert audit_labels.action_label("legacy.thing", "en") == "legacy.thing"
    assert audit_labels.family_label("meeting", "vi") == "Mọi thao tác với cuộc họp"
    assert audit_labels.object_type_label("meeting", "vi") == "Cuộc họp"
    assert audit_labels.object_type_label("", "vi") == ""
    assert audit_labels.data_key_label("rows", "en") == "Rows"
    assert audit_labels.data_key_label("mystery", "vi") == "mystery"
