"""Failed logins: growing delays per account and address, never a lock anyone can trigger,
and the same answer whether the account exists or not."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from ecabinet import accounts
from ecabinet.config import Settings
from ecabinet.ratelimit import Backoff
from tests.conftest import PASSWORD, World
from tests.security.nodes import client_at, node


class Clock:
    """A hand-driven monotonic clock for the login throttle."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def throttle_of(app: Any) -> Backoff:
    """The node's login throttle, made now if no login has been tried yet."""
    state = app.starlette.state
    if getattr(state, "login_throttle", None) is None:
        settings = state.settings
        state.login_throttle = accounts.login_throttle(accounts.LoginPolicy(
            max_failures=settings.login_max_failures,
            max_delay_seconds=settings.login_lock_seconds))
    throttle: Backoff = state.login_throttle
    return throttle


def refusal(response: httpx.Response) -> tuple[int, dict[str, Any]]:
    return response.status_code, response.json()


async def test_wrong_password_unknown_and_inactive_accounts_answer_alike(
        world: World, client_factory: Any, app: Any) -> None:
    admin = await client_factory("admin")
    assert (await admin.put(f"/api/users/{world['delegate2'].id}",
                            json={"active": False})).status_code == 200
    answers = []
    for username, password in (("delegate", "wrong-password"), ("nobody", "wrong-password"),
                               ("delegate2", PASSWORD)):
        async with client_at(app, "198.51.100.7") as client:
            tries = [refusal(await client.login(username, password)) for _ in range(6)]
        answers.append(tries)
    # The same refusals in the same order, message included: five 401s, then a wait.
    assert answers[0] == answers[1] == answers[2]
    assert [status for status, _ in answers[0]] == [401] * 5 + [429]
    assert answers[0][0][1]["error"]["code"] == "bad_credentials"
    assert answers[0][5][1]["error"]["code"] == "login_throttled"


async def test_an_attacker_cannot_lock_the_admin_out(world: World, app: Any) -> None:
    async with client_at(app, "203.0.113.9") as attacker:
        statuses = {(await attacker.login("admin", f"guess-{n}")).status_code for n in range(30)}
    assert statuses == {401, 429}
    async with client_at(app, "10.0.0.2") as office:
        assert (await office.login("admin")).status_code == 200
    # Nor another account's name typed wrong from the office's own address.
    async with client_at(app, "10.0.0.2") as office:
        assert (await office.login("delegate")).status_code == 200


async def test_delays_grow_from_one_second_up_to_the_cap(
        world: World, settings: Settings) -> None:
    async with node(settings, login_max_failures=3, login_lock_seconds=5) as app:
        clock = Clock()
        throttle_of(app).clock = clock
        async with client_at(app, "192.0.2.44") as client:
            client.headers["accept-language"] = "en"
            assert [(await client.login("chair", "nope-nope")).status_code
                    for _ in range(3)] == [401] * 3
            waits = []
            for _ in range(5):
                held = await client.login("chair")  # even the right password waits
                assert held.status_code == 429
                seconds = int(held.headers["retry-after"])
                assert held.json()["error"]["message"] == (
                    "Too many failed logins for this account from this device; "
                    f"try again in {seconds} s.")
                waits.append(seconds)
                clock.now += seconds
                assert (await client.login("chair", "nope-nope")).status_code == 401
            assert waits == [1, 2, 4, 5, 5]
            clock.now += 5
            # The right password once the wait is over; it wipes the slate.
            assert (await client.login("chair")).status_code == 200
            assert [(await client.login("chair", "nope-nope")).status_code
                    for _ in range(3)] == [401] * 3


async def test_the_wait_is_said_in_vietnamese(world: World, app: Any) -> None:
    async with client_at(app, "192.0.2.45") as client:
        for _ in range(5):
            await client.login("secretary", "sai-mat-khau")
        held = await client.login("secretary", "sai-mat-khau")
    assert held.status_code == 429
    assert held.json()["error"]["message"].startswith("Đăng nhập sai quá nhiều lần")
    assert "giây" in held.json()["error"]["message"]


async def test_simultaneous_guesses_cannot_outrun_the_count(world: World, app: Any) -> None:
    async with client_at(app, "192.0.2.46") as client:
        answers = await asyncio.gather(*(client.login("chair2", f"guess-{n}")
                                         for n in range(10)))
    assert sorted(a.status_code for a in answers) == [401] * 5 + [429] * 5


async def test_a_success_forgets_earlier_failures(world: World, app: Any) -> None:
    async with client_at(app, "192.0.2.47") as client:
        for _ in range(4):
            assert (await client.login("observer", "nope-nope")).status_code == 401
        assert (await client.login("observer")).status_code == 200
        for _ in range(4):
            assert (await client.login("observer", "nope-nope")).status_code == 401


async def test_accounts_have_no_lock_to_show(world: World, client_factory: Any) -> None:
    admin = await client_factory("admin")
    assert "locked" not in (await admin.get("/api/session")).json()["user"]
    assert all("locked" not in user for user in (await admin.get("/api/users")).json())


def test_the_throttle_forgets_quiet_keys_and_stays_bounded() -> None:
    throttle = Backoff(2, 60, forget_after=3600, max_keys=100)
    key = ("admin", "192.0.2.1")
    assert throttle.attempt(key, now=0) == 0
    assert throttle.attempt(key, now=0) == 0
    assert throttle.attempt(key, now=0.5) == 0.5
    # An hour without a try: a fresh start.
    assert throttle.attempt(key, now=3601) == 0
    assert throttle.failures(key) == 1
    for n in range(1000):
        throttle.attempt((f"user{n}", "192.0.2.2"), now=3602)
    assert len(throttle._keys) <= 100
