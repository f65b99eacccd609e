"""Units and accounts imported from a spreadsheet, all or nothing.

Each row goes through the same rules as the administration screen (`units.create_unit`,
`accounts.create_user`) inside a savepoint, so a bad row is named with its problem while
the others are still checked; the caller commits only a report without problems, and a
dry run (the preview) is the same run rolled back. Units come first, so accounts may name
a unit the same file adds; a unit or account is named by its code or its exact name.
Accounts without a password get a generated one, shown once in the report.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import accounts, audit, units
from ecabinet.errors import DomainError, Forbidden, Invalid
from ecabinet.models import Role, Unit, User
from ecabinet.tables import Sheet, pick
from ecabinet.vntext import fold

# Folded headings each field may be typed under.
UNIT_NAME = ("ten don vi", "don vi", "ten", "name", "unit")
UNIT_CODE = ("ma don vi", "ma", "code")
UNIT_KIND = ("cap", "loai", "loai don vi", "kind")
UNIT_PARENT = ("don vi cap tren", "cap tren", "truc thuoc", "parent")
USERNAME = ("ten dang nhap", "tai khoan", "username")
FULL_NAME = ("ho va ten", "ho ten", "full name")
TITLE = ("chuc vu", "title", "position")
ROLE = ("vai tro", "role")
UNIT = ("don vi", "don vi cong tac", "unit")
EMAIL = ("email", "thu dien tu", "e-mail")
PASSWORD = ("mat khau", "password")

ROLES = {fold(label): role for role, labels in {
    Role.admin: ("Quản trị", "admin"), Role.secretary: ("Thư ký", "secretary"),
    Role.chair: ("Chủ trì", "chair"), Role.delegate: ("Đại biểu", "delegate"),
    Role.remote_room: ("Điểm cầu", "remote_room", "remote room"),
    Role.observer: ("Quan sát", "observer"),
}.items() for label in labels}
KINDS = {fold(label): kind for kind, labels in {
    "province": ("Tỉnh", "province"), "district": ("Huyện", "district"),
    "commune": ("Xã", "Phường", "commune"),
    "department": ("Sở", "Sở, ban, ngành", "Ban", "Ngành", "department"),
    "village": ("Thôn", "Tổ dân phố", "Thôn, tổ dân phố", "village"),
}.items() for label in labels}
# Easy to read aloud and to type: no 0/O, 1/l/I.
PASSWORD_LETTERS = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
GENERATED_LENGTH = 12
RowKey = tuple[str, int]


@dataclass
class Line:
    """One row of the file: what it adds, and its problems (codes with parameters)."""

    sheet: str
    row: int
    kind: str  # "unit" or "account"
    label: str
    problems: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


@dataclass
class Report:
    """What the import did (or would do)."""

    lines: list[Line] = field(default_factory=list)
    passwords: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing in the file stops it."""
        return bool(self.lines) and not any(line.problems for line in self.lines)

    def count(self, kind: str) -> int:
        """How many rows of a kind."""
        return sum(1 for line in self.lines if line.kind == kind)


def is_accounts(sheet: Sheet) -> bool:
    """A sheet of accounts (it has a username column)."""
    return bool(sheet.headings & set(USERNAME))


def is_units(sheet: Sheet) -> bool:
    """A sheet of units (a name and a level, and no usernames)."""
    heads = sheet.headings
    return not is_accounts(sheet) and bool(heads & set(UNIT_NAME)) and bool(heads & set(UNIT_KIND))


def new_password() -> str:
    """A generated first password."""
    return "".join(secrets.choice(PASSWORD_LETTERS) for _ in range(GENERATED_LENGTH))


def passwords_for(sheets: Sequence[Sheet]) -> dict[RowKey, str]:
    """Each account row's password: the one typed, or a generated one."""
    return {(sheet.name, number): pick(row, *PASSWORD) or new_password()
            for sheet in sheets if is_accounts(sheet) for number, row in sheet.rows}


class _Units:
    """Units by code and by exact name: those already there and those the file adds."""

    def __init__(self, known: Sequence[Unit]) -> None:
        self.by_code: dict[str, int] = {u.code: u.id for u in known if u.code}
        self.by_name: dict[str, list[int]] = {}
        for unit in known:
            self.add(unit)

    def add(self, unit: Unit) -> None:
        if unit.code:
            self.by_code[unit.code] = unit.id
        self.by_name.setdefault(fold(unit.name), []).append(unit.id)

    def find(self, given: str) -> int:
        if not given:
            raise Invalid("import_unit_required")
        if given in self.by_code:
            return self.by_code[given]
        found = self.by_name.get(fold(given), [])
        if len(found) > 1:
            raise Invalid("import_unit_ambiguous", unit=given)
        if not found:
            raise Invalid("import_unit_unknown", unit=given)
        return found[0]


async def run(session: AsyncSession, actor: User, sheets: Sequence[Sheet],
              passwords: dict[RowKey, str],
              hashes: dict[RowKey, accounts.PasswordHash] | None) -> Report:
    """Add every row in the caller's transaction; `hashes` None is the dry run (passwords
    are checked, not hashed). The caller commits only when `report.ok`."""
    if actor.role != Role.admin:
        raise Forbidden("forbidden")
    unit_sheets = [s for s in sheets if is_units(s)]
    account_sheets = [s for s in sheets if is_accounts(s)]
    if not unit_sheets and not account_sheets:
        raise Invalid("import_no_table")
    known = _Units((await session.scalars(select(Unit))).all())
    report = Report()
    for sheet in unit_sheets:
        for number, row in sheet.rows:
            line = Line(sheet.name, number, "unit", pick(row, *UNIT_NAME))
            report.lines.append(line)
            try:
                async with session.begin_nested():
                    parent = pick(row, *UNIT_PARENT)
                    unit = await units.create_unit(
                        session, name=line.label, code=pick(row, *UNIT_CODE) or None,
                        kind=KINDS.get(fold(pick(row, *UNIT_KIND)), pick(row, *UNIT_KIND)),
                        parent_id=known.find(parent) if parent else None, actor_id=actor.id)
                known.add(unit)
            except DomainError as problem:
                line.problems.append((problem.code, problem.params))
    first_row: dict[str, RowKey] = {}
    for sheet in account_sheets:
        for number, row in sheet.rows:
            key = (sheet.name, number)
            line = Line(sheet.name, number, "account", pick(row, *USERNAME))
            report.lines.append(line)
            try:
                # Twice in the file is the file's mistake, not an account already here.
                typed = fold(line.label)
                if typed and typed in first_row:
                    where = first_row[typed]
                    raise Invalid("import_username_repeated", sheet=where[0], row=where[1])
                first_row.setdefault(typed, key)
                async with session.begin_nested():
                    await _account(session, actor, row, passwords[key],
                                   None if hashes is None else hashes.get(key), known)
                if not pick(row, *PASSWORD):
                    report.passwords.append((accounts.clean_username(line.label),
                                             passwords[key]))
            except DomainError as problem:
                line.problems.append((problem.code, problem.params))
    if report.ok and hashes is not None:
        await audit.record(session, "import.accounts", actor_id=actor.id, object_type="import",
                           data={"units": report.count("unit"),
                                 "accounts": report.count("account")})
    return report


async def _account(session: AsyncSession, actor: User, row: dict[str, str], password: str,
                   hashed: accounts.PasswordHash | None, known: _Units) -> None:
    typed_role = pick(row, *ROLE)
    role = ROLES.get(fold(typed_role))
    if role is None:
        raise Invalid("import_role_unknown", role=typed_role or "—")
    unit = pick(row, *UNIT)
    # The dry run checks the password's rules without the Argon2 work of hashing it.
    accounts.check_password_rules(password)
    await accounts.create_user(
        session, username=pick(row, *USERNAME), full_name=pick(row, *FULL_NAME),
        password=hashed or accounts.UNUSABLE_HASH, role=role,
        unit_id=known.find(unit) if unit else None, title=pick(row, *TITLE),
        email=pick(row, *EMAIL), actor_id=actor.id, must_change_password=True)
