"""Socket.io client managers that know each socket's rooms.

python-socketio finds a leaving socket's rooms by looking through every room of the
namespace. Here every user and every login session has a room, so a hall of a thousand
tablets dropping at once made a million look-ups; these managers keep an index from
each socket to its rooms, so a disconnect costs the rooms it was in.
"""

from __future__ import annotations

from typing import Any

import socketio


class IndexedRooms:
    """Mixin over a python-socketio manager: a socket's rooms kept as an index."""

    rooms: dict[Any, dict[Any, Any]]
    callbacks: dict[Any, Any]
    pending_connect: dict[Any, list[Any]]
    pending_disconnect: dict[Any, list[Any]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rooms_of: dict[tuple[str, str], set[Any]] = {}

    def basic_enter_room(self, sid: str, namespace: str, room: Any,
                         eio_sid: Any = None) -> None:
        """Enter `room`, and note it among the socket's rooms."""
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)  # type: ignore[misc]
        self._rooms_of.setdefault((namespace, sid), set()).add(room)

    def basic_leave_room(self, sid: str, namespace: str, room: Any) -> None:
        """Leave `room`, and forget it among the socket's rooms."""
        super().basic_leave_room(sid, namespace, room)  # type: ignore[misc]
        joined = self._rooms_of.get((namespace, sid))
        if joined is not None:
            joined.discard(room)
            if not joined:
                del self._rooms_of[(namespace, sid)]

    def basic_disconnect(self, sid: str, namespace: str, **_kwargs: Any) -> None:
        """Leave the socket's rooms and drop what the manager held for it."""
        # As python-socketio's BaseManager.basic_disconnect, but for the rooms' look-up.
        for room in list(self._rooms_of.get((namespace, sid), ())):
            self.basic_leave_room(sid, namespace, room)
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            waiting = pending.get(namespace)
            if waiting is not None and sid in waiting:
                waiting.remove(sid)
                if not waiting:
                    del pending[namespace]

    def get_rooms(self, sid: str, namespace: str) -> list[Any]:
        """The named rooms the socket is in."""
        return [room for room in self._rooms_of.get((namespace, sid), ()) if room is not None]


class Manager(IndexedRooms, socketio.AsyncManager):
    """One node's rooms."""


class RedisManager(IndexedRooms, socketio.AsyncRedisManager):
    """Rooms across nodes through Redis."""
