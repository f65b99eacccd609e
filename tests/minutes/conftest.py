"""Fixtures for minutes, conclusions, tasks and signatures: keys for the small province."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ecabinet import db, meetings, signatures
from ecabinet.models import AgendaItem, MeetingStatus, User
from ecabinet.signing import ca
from tests.conftest import World
from tests.test_meetings import make_meeting

PASSPHRASE = "khóa-bí-mật-2026"


@dataclass(frozen=True)
class Pki:
    """A trusted demo root with its intermediate, and a root nobody configured."""

    root: ca.IssuedCertificate
    intermediate: ca.IssuedCertificate
    foreign: ca.IssuedCertificate
    foreign_intermediate: ca.IssuedCertificate
    stores: dict[str, bytes]

    def keystore(self, name: str, organization: str, *, foreign: bool = False) -> bytes:
        """An encrypted PKCS#12 for a person (made once per name per session)."""
        key = f"{name}|{organization}|{foreign}"
        if key not in self.stores:
            issuer = self.foreign_intermediate if foreign else self.intermediate
            root = self.foreign if foreign else self.root
            issued = ca.issue_signer_certificate(issuer, common_name=name,
                                                 organization=organization)
            self.stores[key] = ca.pkcs12_bytes(issued, PASSPHRASE.encode(),
                                               chain=(issuer.certificate, root.certificate))
        return self.stores[key]

    @property
    def root_pem(self) -> bytes:
        """The trusted root in PEM."""
        return self.root.certificate.public_bytes(serialization.Encoding.PEM)

    def roots(self) -> list[x509.Certificate]:
        """What the verifier trusts."""
        return [self.root.certificate]


@pytest.fixture(scope="session")
def pki() -> Pki:
    """One PKI for the whole run (RSA key generation is the slow part)."""
    root = ca.create_root_ca()
    foreign = ca.create_root_ca("Một CA khác", organization="Nơi khác")
    return Pki(root, ca.create_intermediate_ca(root), foreign,
               ca.create_intermediate_ca(foreign, "CA trung gian khác"), {})


@pytest.fixture(scope="session", autouse=True)
def _stop_signing_worker() -> Iterator[None]:
    yield
    signatures.shutdown_worker()


async def give_keys(sessions: Any, world: World, pki: Pki,
                    names: tuple[str, ...] = ("secretary", "chair")) -> None:
    """Trust the test root and give each named account an encrypted PKCS#12."""
    async with db.transaction(sessions) as s:
        admin = await s.get(User, world["admin"].id)
        assert admin is not None
        await signatures.add_trust_root(s, admin, pki.root_pem)
        for name in names:
            user = world[name]
            await signatures.configure_pkcs12(
                s, admin, user.id, pki.keystore(user.full_name, "UBND tỉnh Thừa Thiên Huế"),
                PASSPHRASE)


AGENDA = (
    ("Tình hình giải ngân vốn đầu tư công", "Giám đốc Sở Tài chính"),
    ("Kế hoạch chuyển đổi số năm 2027", "Giám đốc Sở Thông tin và Truyền thông"),
)
PATH = ("submit", "approve", "publish", "start", "adjourn")


async def meeting_in(sessions: Any, world: World, status: MeetingStatus) -> int:
    """A province meeting chaired by "chair" with a two-item agenda, taken to `status`."""
    meeting_id = await make_meeting(sessions, world, MeetingStatus.draft, agenda=())
    steps = {MeetingStatus.draft: 0, MeetingStatus.submitted: 1, MeetingStatus.approved: 2,
             MeetingStatus.published: 3, MeetingStatus.in_session: 4,
             MeetingStatus.adjourned: 5}[status]
    async with db.transaction(sessions) as s:
        for position, (title, presenter) in enumerate(AGENDA):
            s.add(AgendaItem(meeting_id=meeting_id, position=position, title=title,
                             presenter=presenter,
                             presenter_unit_id=world.province if position == 0 else None))
        await s.flush()
        secretary = await s.get(User, world["secretary"].id)
        chair = await s.get(User, world["chair"].id)
        assert secretary is not None and chair is not None
        for step in PATH[:steps]:
            await meetings.transition(s, chair if step == "approve" else secretary,
                                      meeting_id, step)
    return meeting_id


@pytest.fixture
async def adjourned(sessions: Any, world: World) -> int:
    """A meeting of the province, chaired by "chair", that has just adjourned."""
    return await meeting_in(sessions, world, MeetingStatus.adjourned)
