"""Recording the floor stream to a file without re-encoding."""

from __future__ import annotations

import asyncio
from pathlib import Path

import av
import pytest

from realtime.sfu import SfuError, SfuService

from .conftest import JoinClient
from .peers import ColorTrack, wait_for_size

HALL = (160, 120)
ROOM = (176, 144)


async def until_recorded(sfu: SfuService, frames: int) -> None:
    for _ in range(200):
        if (await sfu.stats(1))["recorded_frames"] >= frames:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {frames} frames recorded")


async def test_recording_follows_the_floor_and_has_video_frames(
    sfu: SfuService, join: JoinClient, tmp_path: Path
) -> None:
    await join("hall", "hall", video=ColorTrack(*HALL))
    await join("remote_room", "room-a", video=ColorTrack(*ROOM))
    viewer = await join("viewer", "chair")
    await wait_for_size(viewer.track("hall"), HALL)

    target = tmp_path / "meeting-1.mkv"
    await sfu.start_recording(1, target)
    with pytest.raises(SfuError):
        await sfu.start_recording(1, target)
    assert (await sfu.stats(1))["recording"] == str(target)
    await until_recorded(sfu, 10)  # from the hall's next keyframe on
    await sfu.set_floor(1, "room-a")
    await until_recorded(sfu, 20)
    path = await sfu.stop_recording(1)
    assert path == target

    with av.open(str(path)) as container:
        kinds = {s.type for s in container.streams}
        assert kinds == {"video", "audio"}
        sizes = [(f.width, f.height) for f in container.decode(video=0)]
    assert len(sizes) >= 20
    # the hall first, then the room given the floor, in one file
    assert sizes[0] == HALL and sizes[-1] == ROOM
    with av.open(str(path)) as container:
        assert sum(1 for _ in container.decode(audio=0)) > 10
