"""Code loading: only a PKCS#11 module the operator listed is ever loaded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from ecabinet import db, signatures
from ecabinet.config import Settings, load_settings
from ecabinet.errors import Conflict
from ecabinet.models import SignerKey, User
from ecabinet.signing import ca
from tests.conftest import World
from tests.minutes.test_signatures import MINUTES
from tests.security.nodes import client_at, node


@pytest.fixture(scope="module")
def certificate() -> bytes:
    """A signer's certificate (PEM), as an admin pastes it for a token's key."""
    root = ca.create_root_ca()
    issued = ca.issue_signer_certificate(root, common_name="Nguyễn Văn Chair",
                                         organization="UBND tỉnh")
    return issued.certificate.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def token_library(tmp_path: Path) -> Path:
    """Stands in for a token vendor's library the operator installed (never loaded here)."""
    library = tmp_path / "vendor" / "lib" / "libtoken.so"
    library.parent.mkdir(parents=True)
    library.write_bytes(b"\x7fELF not really")
    return library


def key_request(world: World, module_path: str, certificate: bytes) -> dict[str, Any]:
    return {"user_id": world["chair"].id, "module_path": module_path, "token_label": "chu-tich",
            "key_label": "ky-so", "certificate": certificate.decode("ascii")}


async def test_pkcs11_is_off_until_the_operator_lists_a_module(
        world: World, client_factory: Any, certificate: bytes, token_library: Path) -> None:
    admin = await client_factory("admin")
    for language, words in (("vi", "Máy chủ chưa bật"), ("en", "not enabled")):
        admin.cookies.set("ecabinet_lang", language)
        refused = await admin.post("/api/signing/keys/pkcs11",
                                   json=key_request(world, str(token_library), certificate))
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "pkcs11_disabled"
        assert words in refused.json()["error"]["message"]
    assert (await admin.get("/api/signing/keys")).json() == []


async def test_only_a_listed_module_may_back_a_signing_key(
        world: World, sessions: Any, settings: Settings, certificate: bytes,
        token_library: Path, tmp_path: Path) -> None:
    uploaded = settings.data_dir / "task_files" / "ab" / ("ab" + "0" * 62)
    uploaded.parent.mkdir(parents=True)
    uploaded.write_bytes(b"\x7fELF uploaded by someone")
    elsewhere = tmp_path / "libtoken.so"
    elsewhere.write_bytes(b"\x7fELF same name, other place")
    link = tmp_path / "link-to-uploaded.so"
    link.symlink_to(uploaded)
    async with node(settings, pkcs11_modules=(str(token_library),)) as app:
        async with client_at(app) as admin:
            assert (await admin.login("admin")).status_code == 200
            for path in (str(uploaded), str(elsewhere), str(link), "libtoken.so",
                         "vendor/lib/libtoken.so", f"{token_library}.bak", ""):
                refused = await admin.post("/api/signing/keys/pkcs11",
                                           json=key_request(world, path, certificate))
                assert refused.status_code == 422, path
                assert refused.json()["error"]["code"] in (
                    "pkcs11_module_not_allowed", "field_required"), path
            # The listed library, however it is spelt, once links and ".." are resolved.
            spelt = token_library.parent / ".." / "lib" / token_library.name
            accepted = await admin.post("/api/signing/keys/pkcs11",
                                        json=key_request(world, str(spelt), certificate))
            assert accepted.status_code == 201, accepted.text
    async with db.transaction(sessions) as s:
        [key] = (await s.scalars(select(SignerKey))).all()
    assert key.module_path == str(token_library)


async def test_a_key_whose_module_left_the_list_cannot_sign(
        world: World, sessions: Any, certificate: bytes, token_library: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    async with db.transaction(sessions) as s:
        admin = await s.get(User, world["admin"].id)
        chair = await s.get(User, world["chair"].id)
        assert admin is not None and chair is not None
        await signatures.configure_pkcs11(
            s, admin, chair.id, module_path=str(token_library), token_label="chu-tich",
            key_label="ky-so", certificate=certificate, allowed_modules=[str(token_library)])
        from tests.minutes.test_signatures import _any_meeting

        meeting_id = await _any_meeting(s, world)
        pdf = await signatures.create_pdf(
            s, meeting_id=meeting_id, kind="minutes", number="03/BB-UBND", title="Biên bản",
            document=MINUTES, signers=[signatures.SignerSlot("chair", chair.id)])
        pdf_id = pdf.id
    # Refused before anything is loaded: a loaded library would fail as "signing_failed".
    # None: the list the node's settings come from, ECABINET_PKCS11_MODULES.
    monkeypatch.delenv("ECABINET_PKCS11_MODULES", raising=False)
    cases: list[tuple[list[str] | None, str]] = [
        ([], "pkcs11_disabled"), (None, "pkcs11_disabled"),
        (["/usr/lib/other/libtoken.so"], "pkcs11_module_not_allowed")]
    for allowed, code in cases:
        async with db.transaction(sessions) as s:
            chair = await s.get(User, world["chair"].id)
            assert chair is not None
            with pytest.raises(Conflict) as refused:
                await signatures.sign(s, chair, pdf_id, secret="135246", pkcs11_modules=allowed)
            assert refused.value.code == code


def test_the_allow_list_takes_absolute_paths_outside_the_data_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECABINET_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ECABINET_SECRET_KEY", "x" * 32)
    monkeypatch.delenv("ECABINET_PKCS11_MODULES", raising=False)
    assert load_settings().pkcs11_modules == ()
    monkeypatch.setenv("ECABINET_PKCS11_MODULES",
                       "/usr/lib/softhsm/libsofthsm2.so, /opt/vnpt/libvnpt-ca.so")
    assert load_settings().pkcs11_modules == ("/usr/lib/softhsm/libsofthsm2.so",
                                              "/opt/vnpt/libvnpt-ca.so")
    for bad in ("libsofthsm2.so", f"{tmp_path / 'data' / 'task_files' / 'x.so'}",
                f"{tmp_path / 'data' / 'sub' / '..' / 'documents' / 'y.so'}"):
        monkeypatch.setenv("ECABINET_PKCS11_MODULES", bad)
        with pytest.raises(ValueError, match="ECABINET_PKCS11_MODULES"):
            load_settings()
