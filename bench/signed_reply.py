"""Bench: what a signed ballot paper costs over a plain reply, through the domain on SQLite.

Prints (never asserts), measured in the same run:
  * a plain reply (checked, stored, chained in the audit log): p50 / p99
  * a signed reply (the paper composed, signed PAdES with the member's PKCS#12 in the
    signing worker, both versions stored): p50 / p99, and its ratio over the plain reply
  * of which composing the paper and signing it, each alone
  * N members signing at the same moment: the last one's wait, and the throughput the
    one signing worker gives (papers per second)

Run: .venv/bin/python bench/signed_reply.py [--members 40]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.consultation import office  # noqa: E402
from bench.vote_round import insert_delegates, pct  # noqa: E402

PASSPHRASE = "bench-passphrase"
OPINION = "Đề nghị bổ sung đánh giá tác động đối với các xã miền núi."


async def build(tmp: Path, members: int, signed: bool) -> tuple[Any, int, list[Any]]:
    """A consultation of two questions sent to N delegates, each with a signing key."""
    from ecabinet import accounts, db, signatures
    from ecabinet.consultations import approval, prepare
    from ecabinet.models import User
    from ecabinet.schema import upgrade_async
    from ecabinet.signing import ca

    url = f"sqlite+aiosqlite:///{tmp / f'bench-{signed}.sqlite'}"
    await upgrade_async(url)
    accounts.configure_hashing(1, 8192)
    sessions = db.sessionmaker(db.create_engine(url))
    root = ca.create_root_ca()
    async with db.transaction(sessions) as s:
        unit, secretary, chair = await office(s)
        ids = await insert_delegates(s, unit.id, members, "thanhvien", "Thành viên số")
        await signatures.add_trust_root(s, None, ca.certificate_pem(root.certificate))
        for uid in ids if signed else []:
            issued = ca.issue_signer_certificate(root, common_name=f"Thành viên {uid}",
                                                 organization="UBND tỉnh")
            store = ca.pkcs12_bytes(issued, PASSPHRASE.encode(), chain=(root.certificate,))
            await signatures.configure_issued_pkcs12(s, None, uid, store, issued.certificate,
                                                     (root.certificate,))
        made = await prepare.create(s, secretary, prepare.ConsultationInput(
            title="Lấy ý kiến về Đề án sắp xếp đơn vị hành chính", unit_id=unit.id,
            chair_id=chair.id, member_ids=ids, working_days=5, signed_replies=signed,
            questions=[prepare.QuestionInput("Thông qua Đề án?"),
                       prepare.QuestionInput("Trình HĐND tại kỳ họp gần nhất?")]))
        await approval.submit(s, secretary, made.id)
        await approval.approve(s, chair, made.id)
        users = [await s.get(User, uid) for uid in ids]
    return sessions, made.id, users


async def one_reply(sessions: Any, consultation_id: int, user: Any, signed: bool) -> float:
    """One member's reply, start to commit, in seconds."""
    from sqlalchemy import select

    from ecabinet import db
    from ecabinet.consultations import replies
    from ecabinet.models import ConsultationQuestion

    started = time.perf_counter()
    client_id = f"bench-{user.id:08d}"
    # As the reply route does: the paper is signed in a read-only transaction, then stored.
    async with db.read_only(sessions)() as s, s.begin():
        ids = (await s.scalars(select(ConsultationQuestion.id).where(
            ConsultationQuestion.consultation_id == consultation_id)
            .order_by(ConsultationQuestion.position))).all()
        given = [replies.AnswerInput(q, 0, OPINION) for q in ids]
        paper = await replies.sign_paper(s, user, consultation_id, given, client_id,
                                         PASSPHRASE) if signed else None
    async with db.transaction(sessions) as s:
        await replies.reply(s, user, consultation_id, given, client_id, signed=paper)
    return time.perf_counter() - started


async def parts(sessions: Any, consultation_id: int, user: Any) -> tuple[float, float]:
    """Composing one paper, then signing it, each timed alone."""
    from sqlalchemy import select

    from ecabinet import signatures
    from ecabinet.consultations import paper
    from ecabinet.models import Consultation, ConsultationQuestion

    async with sessions() as s:
        consultation = await s.get(Consultation, consultation_id)
        questions = (await s.scalars(select(ConsultationQuestion).where(
            ConsultationQuestion.consultation_id == consultation_id))).all()
        rows = [{"question_id": q.id, "choice": 0, "opinion": OPINION} for q in questions]
        document = await paper.for_reply(s, consultation, user, questions, rows,
                                         consultation.sent_at)
        started = time.perf_counter()
        composed = await signatures.compose(document)
        composing = time.perf_counter() - started
        started = time.perf_counter()
        await signatures.sign_content(s, user, composed.pdf, paper.ROLE_MEMBER,
                                      composed.signature_boxes[paper.ROLE_MEMBER],
                                      secret=PASSPHRASE)
        return composing, time.perf_counter() - started


def line(name: str, values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    return f"{name:<34} p50 {statistics.median(ms):7.1f} ms   p99 {pct(ms, 0.99):7.1f} ms"


async def run(members: int) -> None:
    from ecabinet import signatures

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        plain_db, plain_id, plain_users = await build(tmp, members, signed=False)
        signed_db, signed_id, signed_users = await build(tmp, members, signed=True)
        await signatures.compose(await _warm_document(signed_db, signed_id, signed_users[0]))
        half = members // 2
        plain = [await one_reply(plain_db, plain_id, u, False) for u in plain_users[:half]]
        signed = [await one_reply(signed_db, signed_id, u, True) for u in signed_users[:half]]
        composing, signing = zip(*[await parts(signed_db, signed_id, u)
                                   for u in signed_users[:5]], strict=True)
        started = time.perf_counter()
        await asyncio.gather(*(one_reply(signed_db, signed_id, u, True)
                               for u in signed_users[half:]))
        burst = time.perf_counter() - started
        signatures.shutdown_worker()
    print(f"{members} members, SQLite, one signing worker process")
    print(line("plain reply", plain))
    print(line("signed reply (paper + signature)", signed))
    print(f"{'  ratio signed / plain (p50)':<34} "
          f"{statistics.median(signed) / statistics.median(plain):7.1f} x")
    print(line("  of which composing the paper", list(composing)))
    print(line("  of which signing it", list(signing)))
    together = members - half
    print(f"{together} members signing at once: the last waited {burst * 1000:.0f} ms "
          f"({together / burst:.1f} papers/s)")


async def _warm_document(sessions: Any, consultation_id: int, user: Any) -> Any:
    # The worker's first job starts its interpreter; keep that out of the figures.
    from sqlalchemy import select

    from ecabinet.consultations import paper
    from ecabinet.models import Consultation, ConsultationQuestion

    async with sessions() as s:
        consultation = await s.get(Consultation, consultation_id)
        questions = (await s.scalars(select(ConsultationQuestion).where(
            ConsultationQuestion.consultation_id == consultation_id))).all()
        rows = [{"question_id": q.id, "choice": 0, "opinion": ""} for q in questions]
        return await paper.for_reply(s, consultation, user, questions, rows,
                                     consultation.sent_at)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=40)
    asyncio.run(run(parser.parse_args().members))


if __name__ == "__main__":
    main()
