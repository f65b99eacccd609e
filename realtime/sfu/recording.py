"""Recording a room's programme (floor holder, else hall) to Matroska without re-encoding.

The recorder taps the same inbound streams the forwarding path fans out:
RTP payloads are depayloaded into whole frames and muxed by PyAV as they
are (VP8 or H.264 video, Opus audio). A floor change switches the tapped
streams; the recording's timeline continues across the switch and the new
speaker's video starts at a keyframe (one is requested).

Depayloading and muxing run in a writer thread so file I/O never blocks the
event loop that forwards packets.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import queue
import struct
import threading
import time
from pathlib import Path
from typing import Any

import av
from aiortc.codecs.h264 import h264_depayload
from aiortc.codecs.vpx import vp8_depayload

from . import packet as rtp
from .forwarding import InboundStream

logger = logging.getLogger(__name__)

VIDEO_CLOCK = 90000
AUDIO_CLOCK = 48000
# RFC 7845 §5.1 identification header: Matroska's CodecPrivate for Opus.
OPUS_HEAD = b"OpusHead" + struct.pack("<BBHIhB", 1, 2, 312, AUDIO_CLOCK, 0, 0)

_Item = tuple[str, int, bytes, bool]  # kind, pts (stream clock), data, keyframe


class _Timeline:
    """Maps one kind's source RTP timestamps onto the recording's own clock."""

    def __init__(self, clock: int, started: float) -> None:
        self.clock = clock
        self.started = started
        self.source: InboundStream | None = None
        self.offset: int | None = None
        self.last_pts = -1
        self.last_time = 0.0

    def switch(self, source: InboundStream | None) -> None:
        """Follow another source; its first packet re-anchors the mapping."""
        self.source = source
        self.offset = None

    def pts(self, ts: int, now: float) -> int:
        """The recording's timestamp for a source RTP timestamp arriving at `now`."""
        if self.offset is None:
            # continue from where the last source stopped, by wall-clock time
            if self.last_pts < 0:
                target = int((now - self.started) * self.clock)
            else:
                target = self.last_pts + max(1, int((now - self.last_time) * self.clock))
            self.offset = target - ts
        pts = ts + self.offset
        if pts - self.last_pts < -(1 << 31):  # RTP timestamp wrapped
            self.offset += 1 << 32
            pts += 1 << 32
        self.last_pts = max(self.last_pts, pts)
        self.last_time = now
        return pts


class Recorder:
    """Follows the room's programme streams and writes them to one Matroska file."""

    def __init__(self, path: Path, video_codec: str) -> None:
        self.path = path
        self.video_codec = video_codec.upper()
        self.audio_source: InboundStream | None = None
        self.video_source: InboundStream | None = None
        self.frames_written = 0
        self.frames_queued = 0
        self._queue: queue.Queue[_Item | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._started = time.time()
        self._audio = _Timeline(AUDIO_CLOCK, self._started)
        self._video = _Timeline(VIDEO_CLOCK, self._started)
        self._frame: list[bytes] = []
        self._frame_ts: int | None = None
        self._frame_key = False
        self._next_seq: int | None = None
        self._need_keyframe = True
        self.error: BaseException | None = None

    def start(self) -> None:
        """Open the file and start the writer thread."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._write, name="sfu-recorder", daemon=True)
        self._thread.start()

    def follow(self, audio: InboundStream | None, video: InboundStream | None) -> None:
        """Tap these streams instead of the current ones."""
        if audio is not self.audio_source:
            if self.audio_source is not None:
                self._untap(self.audio_source, self._on_audio)
            self.audio_source = audio
            self._audio.switch(audio)
            if audio is not None:
                audio.taps = [*audio.taps, self._on_audio]
        if video is not self.video_source:
            if self.video_source is not None:
                self._untap(self.video_source, self._on_video)
            self.video_source = video
            self._video.switch(video)
            self._frame = []
            self._frame_ts = None
            self._next_seq = None
            self._need_keyframe = True
            if video is not None:
                video.taps = [*video.taps, self._on_video]
                video.request_keyframe()

    @staticmethod
    def _untap(stream: InboundStream, tap: object) -> None:
        stream.taps = [t for t in stream.taps if t != tap]

    # -- taps (event loop thread) -----------------------------------------

    def _on_audio(self, pkt: bytes) -> None:
        ts = struct.unpack_from(">I", pkt, 4)[0]
        try:
            start, end = rtp.payload_bounds(pkt)
        except ValueError:
            return
        if end > start:
            pts = self._audio.pts(ts, time.time())
            self._queue.put(("audio", pts, pkt[start:end], True))

    def _on_video(self, pkt: bytes) -> None:
        b1, seq, ts = struct.unpack_from(">BHI", pkt, 1)
        try:
            start, end = rtp.payload_bounds(pkt)
        except ValueError:
            return
        if self._need_keyframe:
            if not rtp.is_keyframe_start(self.video_codec, pkt):
                return
            self._need_keyframe = False
            self._frame = []
            self._frame_ts = None
        elif self._next_seq is not None and seq != self._next_seq:
            # a hole: this frame cannot be completed, wait for the next keyframe
            self._need_keyframe = True
            self._next_seq = None
            if self.video_source is not None:
                self.video_source.request_keyframe()
            return
        self._next_seq = (seq + 1) & rtp.SEQ_MASK
        if self._frame_ts is not None and ts != self._frame_ts:
            self._emit_frame()  # the previous frame lost its marker packet
        if self._frame_ts is None:
            self._frame_ts = ts
            self._frame_key = rtp.is_keyframe_start(self.video_codec, pkt)
        try:
            if self.video_codec == "VP8":
                self._frame.append(vp8_depayload(pkt[start:end]))
            else:
                self._frame.append(h264_depayload(pkt[start:end]))
        except ValueError:
            self._need_keyframe = True
            return
        if b1 & 0x80:
            self._emit_frame()

    def _emit_frame(self) -> None:
        if self._frame and self._frame_ts is not None:
            pts = self._video.pts(self._frame_ts, time.time())
            self._queue.put(("video", pts, b"".join(self._frame), self._frame_key))
            self.frames_queued += 1
        self._frame = []
        self._frame_ts = None

    # -- writer thread -------------------------------------------------------

    def _write(self) -> None:
        container = None
        streams: dict[str, av.stream.Stream] = {}
        pending_audio: list[_Item] = []
        try:
            container = av.open(str(self.path), "w", format="matroska")
            while True:
                item = self._queue.get()
                if item is None:
                    break
                kind, _pts, data, key = item
                if kind == "video" and "video" not in streams:
                    if not key:
                        continue
                    width, height = _dimensions(self.video_codec, data)
                    stream: Any = container.add_stream(self.video_codec.lower())
                    stream.width, stream.height = width, height
                    stream.time_base = fractions.Fraction(1, VIDEO_CLOCK)
                    streams["video"] = stream
                    audio = container.add_stream("opus", rate=AUDIO_CLOCK)
                    audio.codec_context.extradata = OPUS_HEAD
                    audio.time_base = fractions.Fraction(1, AUDIO_CLOCK)
                    streams["audio"] = audio
                if "video" not in streams:
                    # the header is written with the first video keyframe; audio
                    # before it waits (bounded)
                    if kind == "audio":
                        pending_audio = [*pending_audio[-200:], item]
                    continue
                for queued in [*pending_audio, item]:
                    self._mux(container, streams, queued)
                pending_audio = []
        except Exception as exc:
            self.error = exc
            logger.exception("SFU recording to %s failed", self.path)
        finally:
            if container is not None:
                try:
                    container.close()
                except Exception:
                    logger.exception("closing the recording %s failed", self.path)

    def _mux(
        self,
        container: av.container.OutputContainer,
        streams: dict[str, av.stream.Stream],
        item: _Item,
    ) -> None:
        kind, pts, data, key = item
        stream: Any = streams[kind]
        packet = av.Packet(data)
        packet.stream = stream
        packet.time_base = stream.time_base
        packet.pts = packet.dts = pts
        packet.is_keyframe = key
        container.mux(packet)
        if kind == "video":
            self.frames_written += 1

    async def stop(self) -> None:
        """Stop tapping, flush and close the file."""
        self.follow(None, None)
        self._queue.put(None)
        thread = self._thread
        if thread is not None:
            await asyncio.get_running_loop().run_in_executor(None, thread.join)
        self._thread = None


def _dimensions(codec: str, frame: bytes) -> tuple[int, int]:
    """Picture size from a keyframe: the VP8 frame header, or by decoding an H.264 one."""
    if codec == "VP8" and len(frame) >= 10 and frame[3:6] == b"\x9d\x01\x2a":
        width, height = struct.unpack_from("<HH", frame, 6)
        return width & 0x3FFF, height & 0x3FFF
    context: Any = av.CodecContext.create(codec.lower(), "r")
    for decoded in context.decode(av.Packet(frame)):
        return decoded.width, decoded.height
    return 640, 480
