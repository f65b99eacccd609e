"""Units and accounts from a spreadsheet (admin): a preview naming each row's problem, then
the import, all or nothing; and a template to fill in."""

from __future__ import annotations

import asyncio
import contextlib
import io
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ecabinet import account_import, accounts, spreadsheet, tables
from ecabinet.api.context import authed, ok
from ecabinet.api.spec import (
    BOOL,
    COUNT,
    FILE,
    STR,
    arr,
    enum_of,
    named,
    obj,
    operation,
    record,
)
from ecabinet.api.tasks import read_form
from ecabinet.errors import Invalid
from ecabinet.i18n import translate
from ecabinet.models import Role, Unit

MAX_BYTES = 5 * 1024 * 1024
XLSX = spreadsheet.XLSX_TYPE
LINE = record(sheet=STR, row=COUNT, kind=enum_of(["unit", "account"]), label=STR,
              problems=arr(record(code=STR, message=STR)))
# passwords: the generated ones, shown this once (rows that gave none).
REPORT = named("ImportReport", record(
    ok=BOOL, committed=BOOL, units=COUNT, accounts=COUNT, lines=arr(LINE),
    passwords=arr(record(username=STR, password=STR))))
TEMPLATE_UNITS = ("Tên đơn vị", "Mã", "Cấp", "Đơn vị cấp trên")
TEMPLATE_ACCOUNTS = ("Tên đăng nhập", "Họ và tên", "Chức vụ", "Vai trò", "Đơn vị", "Email",
                     "Mật khẩu")


class _Undo(Exception):
    """Leaves the import's transaction, rolling it back (a preview, or a file with problems)."""


async def _hashed(passwords: dict[account_import.RowKey, str]
                  ) -> dict[account_import.RowKey, accounts.PasswordHash]:
    """The passwords that keep the rules, hashed in worker threads before the transaction
    opens (Argon2 must not hold the write lock); the others are refused row by row."""
    valid = {}
    for key, password in passwords.items():
        try:
            accounts.check_password_rules(password)
        except Invalid:
            continue
        valid[key] = password
    hashed = await asyncio.gather(*(asyncio.to_thread(accounts.hash_password, p)
                                    for p in valid.values()))
    return {key: accounts.PasswordHash(h) for key, h in zip(valid, hashed, strict=True)}


def _view(report: account_import.Report, committed: bool, language: str) -> dict[str, Any]:
    return {
        "ok": report.ok, "committed": committed, "units": report.count("unit"),
        "accounts": report.count("account"),
        "lines": [{"sheet": line.sheet, "row": line.row, "kind": line.kind, "label": line.label,
                   "problems": [{"code": code, "message": translate(code, language, params)}
                                for code, params in line.problems]}
                  for line in report.lines],
        "passwords": [{"username": u, "password": p} for u, p in report.passwords]
        if committed else [],
    }


@operation("Import units and accounts from CSV or Excel (admin): a dry run previews",
           tag="users", body=obj(["file"], file=FILE),
           query=obj(dry_run=BOOL), response=REPORT, errors=[413])
async def import_accounts(request: Request) -> Response:
    """`dry_run=true`: every row checked, nothing kept. Otherwise all rows or none (422
    `import_has_problems` when any row has one)."""
    dry_run = request.query_params.get("dry_run", "false").lower() in ("1", "true", "yes")
    async with authed(request, read_only=True) as ctx:
        ctx.require(Role.admin)  # before reading anyone's upload
    form = await read_form(request, MAX_BYTES)
    upload = form.files.get("file")
    if upload is None:
        raise Invalid("field_required", field="file")
    sheets = await asyncio.to_thread(tables.read, upload.name, upload.data)
    passwords = account_import.passwords_for(sheets)
    hashes = None if dry_run else await _hashed(passwords)
    with contextlib.suppress(_Undo):
        async with authed(request) as ctx:
            report = await account_import.run(ctx.db, ctx.user, sheets, passwords, hashes)
            if dry_run or not report.ok:
                raise _Undo  # rolls the transaction back
    language = request.state.language
    if not dry_run and not report.ok:
        bad = sum(1 for line in report.lines if line.problems)
        raise Invalid("import_has_problems", rows=bad)
    return ok(_view(report, not dry_run, language), 200 if dry_run else 201)


@operation("An Excel template for the import: a sheet of units and one of accounts",
           tag="users", response=FILE, content=XLSX)
async def template(request: Request) -> Response:
    """With one example row in each sheet."""
    async with authed(request, read_only=True) as ctx:
        ctx.require(Role.admin)
        # The example's parent is this province's own top unit, so the template checks clean.
        root = await ctx.db.scalar(select(Unit).where(Unit.parent_id.is_(None))
                                   .order_by(Unit.id).limit(1))
    data = await asyncio.to_thread(_template, (root.code or root.name) if root else "")
    return Response(data, media_type=XLSX, headers={
        "content-disposition": 'attachment; filename="mau-nhap-tai-khoan.xlsx"',
        "cache-control": "no-store"})


def _template(parent: str) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    units_sheet = book.active
    units_sheet.title = "Đơn vị"
    units_sheet.append(TEMPLATE_UNITS)
    units_sheet.append(("Sở Tư pháp", "STP", "Sở", parent))
    people = book.create_sheet("Tài khoản")
    people.append(TEMPLATE_ACCOUNTS)
    people.append(("nguyenvanan", "Nguyễn Văn An", "Giám đốc Sở", "Đại biểu", "STP",
                   "an.nv@example.gov.vn", ""))
    for sheet in (units_sheet, people):
        for column in sheet.columns:
            sheet.column_dimensions[column[0].column_letter].width = 22
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


routes = [
    Route("/api/import/accounts", import_accounts, methods=["POST"]),
    Route("/api/import/template.xlsx", template, methods=["GET"]),
]
