"""Recordings of a meeting's floor stream: listed for members, downloaded with an audit entry."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from ecabinet import video
from ecabinet.api.context import authed, ok, settings_of
from ecabinet.api.spec import COUNT, FILE, STR, TIME, arr, named, operation, record

RECORDING = named("Recording", record(name=STR, size=COUNT, started_at=TIME))


@operation("Recordings of the meeting's floor stream", tag="video", response=arr(RECORDING))
async def list_recordings(request: Request) -> Response:
    """The meeting's recordings, oldest first."""
    async with authed(request) as ctx:
        found = await video.recordings(ctx.db, ctx.user, settings_of(request).data_dir,
                                       request.path_params["id"])
        return ok([r.__dict__ for r in found])


@operation("Download one recording (Matroska); `name` as listed", tag="video",
           content="video/x-matroska", response=FILE)
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
