"""Units and accounts from a spreadsheet: a preview names each bad row and writes nothing;
an import with one bad row writes nothing; a good one adds all, in the tree, with
generated passwords that log in; Excel and CSV, headings with or without diacritics."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet.models import Role, Unit, User
from tests.conftest import World

GOOD_UNITS = [("Tên đơn vị", "Mã", "Cấp", "Đơn vị cấp trên"),
              ("Sở Tư pháp", "STP", "Sở", "UBND tỉnh Thừa Thiên Huế"),
              ("Phòng Hành chính tư pháp", "STP-HC", "Sở, ban, ngành", "STP")]
GOOD_ACCOUNTS = [("Tên đăng nhập", "Họ và tên", "Chức vụ", "Vai trò", "Đơn vị", "Email",
                  "Mật khẩu"),
                 ("NguyenVanAn", "Nguyễn Văn An", "Giám đốc Sở", "Đại biểu", "STP",
                  "an.nv@hue.gov.vn", ""),
                 ("thuky.stp", "Trần Thị Bình", "Chuyên viên", "Thư ký", "Sở Tư pháp", "",
                  "mat-khau-dai-2026")]


def xlsx(*sheets: tuple[str, list[tuple[Any, ...]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def send(client: Any, name: str, data: bytes, *, dry_run: bool) -> Any:
    return await client.post("/api/import/accounts", params={"dry_run": str(dry_run).lower()},
                             files={"file": (name, data, "application/octet-stream")})


async def counts(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    async with sessions() as s:
        return (await s.scalar(select(func.count(Unit.id))) or 0,
                await s.scalar(select(func.count(User.id))) or 0)


async def test_a_good_workbook_adds_units_then_accounts_that_log_in(
        client_factory: Any, world: World, sessions: async_sessionmaker[AsyncSession]) -> None:
    admin = await client_factory("admin")
    data = xlsx(("Đơn vị", GOOD_UNITS), ("Tài khoản", GOOD_ACCOUNTS))
    before = await counts(sessions)
    preview = await send(admin, "ds.xlsx", data, dry_run=True)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["ok"] and not body["committed"] and (body["units"], body["accounts"]) == (2, 2)
    assert body["passwords"] == []  # none is shown before anything is made
    assert await counts(sessions) == before  # the preview kept nothing

    done = await send(admin, "ds.xlsx", data, dry_run=False)
    assert done.status_code == 201, done.text
    result = done.json()
    assert result["committed"] and await counts(sessions) == (before[0] + 2, before[1] + 2)
    [(given)] = result["passwords"]
    assert given["username"] == "nguyenvanan" and len(given["password"]) == 12
    async with sessions() as s:
        office = await s.scalar(select(Unit).where(Unit.code == "STP-HC"))
        justice = await s.scalar(select(Unit).where(Unit.code == "STP"))
        assert office is not None and justice is not None
        assert office.parent_id == justice.id and justice.parent_id == world.province
        assert office.kind == "department"
        an = await s.scalar(select(User).where(User.username == "nguyenvanan"))
        assert an is not None and an.role == Role.delegate and an.unit_id == justice.id
        assert an.email == "an.nv@hue.gov.vn" and an.title == "Giám đốc Sở"
    person = await client_factory()
    login = await person.post("/api/login", json={"username": "nguyenvanan",
                                                  "password": given["password"]})
    assert login.status_code == 200
    typed = await person.post("/api/login", json={"username": "thuky.stp",
                                                  "password": "mat-khau-dai-2026"})
    assert typed.status_code == 200 and typed.json()["user"]["role"] == "secretary"
    exported = (await admin.get("/api/audit", params={"action": "import.accounts"})).json()
    assert exported["entries"][0]["data"] == {"units": 2, "accounts": 2}


async def test_one_bad_row_is_named_and_nothing_is_written(
        client_factory: Any, world: World, sessions: async_sessionmaker[AsyncSession]) -> None:
    # A CSV as Excel writes it on a Vietnamese machine: semicolons, no diacritics in headings.
    text = ("Ten dang nhap;Ho va ten;Vai tro;Don vi;Email\n"
            "daibieu.a;Lê Văn A;Đại biểu;UBND tỉnh Thừa Thiên Huế;a@hue.gov.vn\n"
            "daibieu.b;Lê Văn B;Giam doc;UBND tỉnh Thừa Thiên Huế;b@hue.gov.vn\n"
            "daibieu.c;Lê Văn C;Đại biểu;Sở Không Có;c@@hue.gov.vn\n"
            "secretary;Trùng tên;Thư ký;UBND tỉnh Thừa Thiên Huế;\n"
            "daibieu.a;Lê Văn A lần hai;Đại biểu;UBND tỉnh Thừa Thiên Huế;\n")
    admin = await client_factory("admin")
    before = await counts(sessions)
    preview = (await send(admin, "ds.csv", text.encode("utf-8-sig"), dry_run=True)).json()
    assert not preview["ok"]
    problems = {line["row"]: [p["code"] for p in line["problems"]] for line in preview["lines"]}
    assert problems == {2: [], 3: ["import_role_unknown"], 4: ["import_unit_unknown"],
                        5: ["username_taken"], 6: ["import_username_repeated"]}
    [again] = [line for line in preview["lines"] if line["row"] == 6]
    assert "dòng 2" in again["problems"][0]["message"]
    [bad_role] = [line for line in preview["lines"] if line["row"] == 3]
    assert "Giam doc" in bad_role["problems"][0]["message"]
    refused = await send(admin, "ds.csv", text.encode("utf-8-sig"), dry_run=False)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "import_has_problems"
    assert "4 dòng" in refused.json()["error"]["message"]
    assert await counts(sessions) == before


async def test_what_is_not_a_table_of_accounts_is_refused(
        client_factory: Any, world: World) -> None:
    admin = await client_factory("admin")
    for name, data, code in [
        ("x.xlsx", b"PK\x03\x04not really a workbook", "import_file_unreadable"),
        ("x.csv", "Cột A,Cột B\n1,2\n".encode(), "import_no_table"),
    ]:
        answer = await send(admin, name, data, dry_run=True)
        assert answer.status_code == 422 and answer.json()["error"]["code"] == code
    # Only administrators import; the upload is not even read for anyone else.
    secretary = await client_factory("secretary")
    assert (await send(secretary, "x.csv", b"a,b\n", dry_run=True)).status_code == 403


async def test_the_template_reads_back_as_an_import(
        client_factory: Any, world: World) -> None:
    admin = await client_factory("admin")
    answer = await admin.get("/api/import/template.xlsx")
    assert answer.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["Đơn vị", "Tài khoản"]
    # Its example hangs under this province's top unit, and its account in the unit it
    # adds: the template as downloaded checks clean.
    preview = (await send(admin, "mau.xlsx", answer.content, dry_run=True)).json()
    assert [line["kind"] for line in preview["lines"]] == ["unit", "account"]
    assert preview["ok"], preview["lines"]
