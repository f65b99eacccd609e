"""Recordings of a meeting's floor stream: listed for members, downloaded with an audit entry."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from ecabinet import meetings, video
from ecabinet.api.context import authed, ok, settings_of
from ecabinet.api.spec import INT, STR, arr, obj, operation

RECORDING = obj(name=STR, size=INT, started_at=STR)


@operation("Recordings of the meeting's floor stream", tag="video", response=arr(RECORDING))
async def list_recordings(request: Request) -> Response:
    """The meeting's recordings, oldest first."""
    async with authed(request) as ctx:
        meeting = await meetings.get_meeting(ctx.db, ctx.user, request.path_params["id"])
        found = video.list_recordings(settings_of(request).data_dir, meeting.id)
        return ok([r.__dict__ for r in found])


@operation("Download one recording (Matroska)", tag="video", content="video/x-matroska")
async def download_recording(request: Request) -> Response:
    """The recording file; every download is audited."""
    async with authed(request) as ctx:
        path = await video.recording_file(ctx.db, ctx.user, settings_of(request).data_dir,
                                          request.path_params["id"], request.path_params["name"])
    return FileResponse(path, media_type="video/x-matroska", filename=path.name)


routes = [
    Route("/api/meetings/{id:int}/recordings", list_recordings, methods=["GET"]),
    Route("/api/meetings/{id:int}/recordings/{name}", download_recording, methods=["GET"]),
]
