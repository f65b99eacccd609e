"""The live channel's room index (realtime/rooms.py): the same rooms as python-socketio's
own manager, found without looking through every room."""

from __future__ import annotations

import random
from typing import Any

import socketio

from realtime import rooms


def _manager(manager: Any) -> Any:
    server = socketio.AsyncServer(async_mode="asgi")
    # Socket ids in the same order for every manager, so their rooms compare.
    numbers = iter(range(1_000_000))
    server.eio.generate_id = lambda: f"sid{next(numbers)}"
    manager.set_server(server)
    manager.initialize()
    return manager


def _state(manager: Any) -> dict[Any, dict[Any, dict[str, Any]]]:
    return {ns: {room: dict(members) for room, members in by_room.items()}
            for ns, by_room in manager.rooms.items()}


async def test_entering_leaving_and_disconnecting_leave_the_same_rooms_as_python_socketio(
        ) -> None:
    ours, theirs = _manager(rooms.Manager()), _manager(socketio.AsyncManager())
    rng = random.Random(7)
    connected: list[str] = []
    for step in range(2000):
        action = rng.choice(["connect", "enter", "enter", "leave", "disconnect"])
        if action == "connect" or not connected:
            sids = {await m.connect(f"eio{step}", "/") for m in (ours, theirs)}
            assert len(sids) == 1
            connected.extend(sids)
            continue
        sid = rng.choice(connected)
        room = f"meeting:{rng.randrange(5)}" if rng.random() < 0.5 else f"user:{rng.randrange(9)}"
        for manager in (ours, theirs):
            if action == "enter":
                await manager.enter_room(sid, "/", room)
            elif action == "leave":
                await manager.leave_room(sid, "/", room)
            else:
                await manager.disconnect(sid, "/")
        if action == "disconnect":
            connected.remove(sid)
        assert _state(ours) == _state(theirs), (step, action)
        for other in connected[:5]:
            assert sorted(map(str, ours.get_rooms(other, "/"))) == sorted(
                map(str, theirs.get_rooms(other, "/")))


class _Watched(dict):  # type: ignore[type-arg]
    scans = 0

    def items(self) -> Any:
        _Watched.scans += 1
        return super().items()

    def copy(self) -> Any:
        _Watched.scans += 1
        return super().copy()


async def test_a_socket_leaves_without_its_manager_looking_through_every_room() -> None:
    manager = _manager(rooms.Manager())
    sids = [await manager.connect(f"eio{i}", "/") for i in range(300)]
    for i, sid in enumerate(sids):
        await manager.enter_room(sid, "/", f"user:{i}")
        await manager.enter_room(sid, "/", "meeting:1")
    manager.rooms["/"] = _Watched(manager.rooms["/"])
    _Watched.scans = 0
    assert set(manager.get_rooms(sids[0], "/")) == {sids[0], "user:0", "meeting:1"}
    for sid in sids[:-1]:
        await manager.disconnect(sid, "/")
    assert _Watched.scans == 0
    assert set(manager.rooms["/"]) == {None, sids[-1], "user:299", "meeting:1"}
