"""Real aiortc client peers for the SFU tests: synthetic publishers and decoding subscribers."""

from __future__ import annotations

import asyncio
import fractions
from dataclasses import dataclass, field
from typing import Any

import av
from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, MediaStreamTrack

from realtime.sfu.peer import LAYOUTS, UPLINK

VIDEO_CLOCK = 90000


class ColorTrack(MediaStreamTrack):
    """Solid-colour frames of a fixed size at ~30 fps: a publisher's camera."""

    kind = "video"

    def __init__(self, width: int, height: int, rgb: tuple[int, int, int] = (200, 30, 30)) -> None:
        super().__init__()
        self.width = width
        self.height = height
        self._frame = av.VideoFrame(width=width, height=height, format="rgb24")
        self._frame.planes[0].update(bytes(rgb) * (width * height))
        self._pts = 0
        self._start: float | None = None

    async def recv(self) -> av.VideoFrame:
        """The next frame, paced at 30 fps."""
        loop = asyncio.get_running_loop()
        if self._start is None:
            self._start = loop.time()
        self._pts += VIDEO_CLOCK // 30
        wait = self._start + self._pts / VIDEO_CLOCK - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        frame = self._frame.reformat(format="yuv420p")
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, VIDEO_CLOCK)
        return frame


@dataclass
class Client:
    """A client peer connection laid out for a role, with its received slot tracks."""

    role: str
    pc: RTCPeerConnection
    transceivers: list[RTCRtpTransceiver]
    tracks: dict[tuple[str, str], MediaStreamTrack] = field(default_factory=dict)

    def track(self, slot: str, kind: str = "video") -> MediaStreamTrack:
        """The received track of a slot."""
        return self.tracks[(slot, kind)]


async def make_client(
    role: str,
    video: MediaStreamTrack | None = None,
    audio: MediaStreamTrack | None = None,
    node_layout: str | None = None,
) -> tuple[Client, str]:
    """Create a client for `role` and its complete (non-trickle) offer."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
    transceivers = []
    for slot, kind in LAYOUTS[node_layout or role]:
        if slot == UPLINK:
            track = video if kind == "video" else audio
            if track is None and kind == "audio":
                track = AudioStreamTrack()
            transceivers.append(pc.addTransceiver(track or kind, direction="sendonly"))
        else:
            transceivers.append(pc.addTransceiver(kind, direction="recvonly"))
    await pc.setLocalDescription(await pc.createOffer())
    return Client(role, pc, transceivers), pc.localDescription.sdp


async def complete(client: Client, answer: str) -> None:
    """Apply the SFU's answer and collect the received slot tracks."""
    await client.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    for (slot, kind), transceiver in zip(LAYOUTS[client.role], client.transceivers, strict=True):
        if slot != UPLINK:
            client.tracks[(slot, kind)] = transceiver.receiver.track


async def next_frame_size(track: MediaStreamTrack, seconds: float = 10.0) -> tuple[int, int]:
    """Decode the next frame of a received video track and return its size."""
    frame = await asyncio.wait_for(track.recv(), seconds)
    assert isinstance(frame, av.VideoFrame)
    return frame.width, frame.height


async def wait_for_size(
    track: MediaStreamTrack, size: tuple[int, int], seconds: float = 15.0
) -> int:
    """Decode frames until one has `size`; returns how many frames were decoded."""
    decoded = 0

    async def loop() -> int:
        nonlocal decoded
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                raise AssertionError("track ended") from None
            decoded += 1
            assert isinstance(frame, av.VideoFrame)
            if (frame.width, frame.height) == size:
                return decoded

    return await asyncio.wait_for(loop(), seconds)


@dataclass
class RtpTap:
    """Headers of the RTP packets a client receives (SRTP headers are clear text)."""

    packets: list[tuple[int, int, int]] = field(default_factory=list)  # (ssrc, seq, pt)
    drop_every: int = 0  # drop every n-th video packet before aiortc sees it
    dropped: int = 0
    _count: int = 0

    def seqs(self, ssrc: int) -> list[int]:
        """Sequence numbers received on one SSRC, in arrival order."""
        return [seq for s, seq, _pt in self.packets if s == ssrc]


def tap_rtp(pc: RTCPeerConnection, drop_every: int = 0, drop_ssrc: int | None = None) -> RtpTap:
    """Record (and optionally drop) incoming RTP on a client, then hand it to aiortc."""
    tap = RtpTap(drop_every=drop_every)
    connection = pc.getTransceivers()[0].receiver.transport.transport._connection
    protocol: Any
    for protocol in connection._protocols:
        original = protocol.datagram_received

        def datagram_received(data: bytes, addr: object, original=original) -> None:  # type: ignore[no-untyped-def]
            if len(data) > 12 and 127 < data[0] < 192 and not 191 < data[1] < 224:
                ssrc = int.from_bytes(data[8:12], "big")
                seq = int.from_bytes(data[2:4], "big")
                tap.packets.append((ssrc, seq, data[1] & 0x7F))
                if tap.drop_every and (drop_ssrc is None or ssrc == drop_ssrc):
                    tap._count += 1
                    if tap._count % tap.drop_every == 0:
                        tap.dropped += 1
                        return
            original(data, addr)

        protocol.datagram_received = datagram_received
    return tap


def count_rtcp(sender: Any) -> list[object]:
    """Record every RTCP packet aiortc routes to a client's sender (PLI, REMB, NACK...)."""
    seen: list[object] = []
    original = sender._handle_rtcp_packet

    async def handle(packet: object) -> None:
        seen.append(packet)
        await original(packet)

    sender._handle_rtcp_packet = handle
    return seen


def announced_ssrcs(client: Client) -> dict[tuple[str, str], int]:
    """The SSRC the SFU announced in its answer for each slot a client receives."""
    from aiortc import sdp

    answer = sdp.SessionDescription.parse(client.pc.remoteDescription.sdp)
    media = [m for m in answer.media if m.kind in ("audio", "video")]
    return {
        key: m.ssrc[0].ssrc
        for key, m in zip(LAYOUTS[client.role], media, strict=True)
        if key[0] != UPLINK and m.ssrc
    }


async def drain(track: MediaStreamTrack) -> None:
    """Keep decoding a received track (aiortc queues frames until someone reads them)."""
    try:
        while True:
            await track.recv()
    except (MediaStreamError, asyncio.CancelledError):
        return
