"""One WebRTC connection of the SFU: SDP negotiation with aiortc, then the raw RTP path.

A peer is either a participant that offered to the SFU (hall, remote room,
viewer, or a downstream SFU node) or this node's own link to an upstream
node. Its m-lines follow a fixed layout per role (see `LAYOUTS`): every line
belongs to a slot (`uplink`, `hall` or `floor`) and a kind. The SFU receives
on the lines it does not send on.
"""

from __future__ import annotations

import asyncio
import json
import logging
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCDataChannel,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpCodecCapability,
    RTCRtpSender,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc import sdp as aiortc_sdp
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtp import RtcpPsfbPacket, RtcpRtpfbPacket

from . import packet as rtp
from .errors import SfuError
from .forwarding import (
    CodecInfo,
    FeedbackChannel,
    InboundStream,
    OutboundTrack,
    parse_remb,
    rr_packet,
)
from .wire import Wire, attach_wire

logger = logging.getLogger(__name__)

UPLINK, HALL, FLOOR = "uplink", "hall", "floor"
ROLES = ("hall", "remote_room", "viewer")
NODE_ROLE = "node"
UPSTREAM_ROLE = "upstream"

_AV = ("audio", "video")
# m-lines a participant's offer must contain, in order, per role.
LAYOUTS: dict[str, tuple[tuple[str, str], ...]] = {
    "hall": tuple((UPLINK, k) for k in _AV) + tuple((FLOOR, k) for k in _AV),
    "remote_room": tuple((s, k) for s in (UPLINK, HALL, FLOOR) for k in _AV),
    "viewer": tuple((s, k) for s in (HALL, FLOOR) for k in _AV),
    NODE_ROLE: tuple((s, k) for s in (UPLINK, HALL, FLOOR) for k in _AV),
}
VIDEO_CODECS = ("VP8", "H264")

AST_URI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
CONTROL_LABEL = "sfu-control"
_NTP_EPOCH_OFFSET = 2208988800
_SSRC = struct.Struct(">I")


def codec_preferences(kind: str, video_codec: str) -> list[RTCRtpCodecCapability]:
    """The codecs a room accepts: Opus for audio, the room's one video codec plus RTX."""
    capabilities = RTCRtpSender.getCapabilities(kind).codecs
    if kind == "audio":
        return [c for c in capabilities if c.name.lower() == "opus"]
    if video_codec == "any":
        # a cascade link lets the upstream node's answer pick the room's codec
        return [c for c in capabilities if c.name.upper() in VIDEO_CODECS] + [
            c for c in capabilities if c.name.lower() == "rtx"
        ]
    wanted = [c for c in capabilities if c.name.upper() == video_codec.upper()]
    if video_codec.upper() == "H264":
        # constrained baseline first: what browsers decode everywhere
        wanted.sort(key=lambda c: str(c.parameters.get("profile-level-id", "")) != "42e01f")
    return wanted + [c for c in capabilities if c.name.lower() == "rtx"]


class IdleTrack(MediaStreamTrack):
    """A sender track that never yields: aiortc's sender task waits on it instead of polling."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self._ended = asyncio.Event()

    async def recv(self) -> Any:
        """Block until stopped; the SFU sends this sender's packets itself."""
        await self._ended.wait()
        raise MediaStreamError

    def stop(self) -> None:
        """End the track and release aiortc's sender task."""
        super().stop()
        self._ended.set()


@dataclass
class Line:
    """One negotiated audio/video m-line of a peer."""

    slot: str
    kind: str
    sfu_sends: bool
    transceiver: RTCRtpTransceiver
    codec: CodecInfo | None = None
    ast_id: int | None = None
    nack: bool = False
    remote_ssrc: int | None = None
    remote_rtx_ssrc: int | None = None


def _parse_offer(offer_sdp: str) -> aiortc_sdp.SessionDescription:
    try:
        return aiortc_sdp.SessionDescription.parse(offer_sdp)
    except Exception as exc:
        raise SfuError("bad_offer", f"unreadable SDP offer: {exc}") from exc


def _check_layout(description: aiortc_sdp.SessionDescription, role: str) -> None:
    media = [m for m in description.media if m.kind in _AV]
    bundle = next((g for g in description.group if g.semantic == "BUNDLE"), None)
    if bundle is None or set(bundle.items) != {m.rtp.muxId for m in description.media}:
        raise SfuError("bad_offer", "the offer must BUNDLE all its m-lines (max-bundle)")
    layout = LAYOUTS[role]
    kinds = tuple(m.kind for m in media)
    if kinds != tuple(k for _, k in layout):
        expected = ", ".join(f"{s} {k}" for s, k in layout)
        raise SfuError(
            "bad_offer",
            f"a {role} offer must have m-lines [{expected}], got {list(kinds)}",
        )
    for (slot, _kind), m in zip(layout, media, strict=True):
        if slot == UPLINK and m.direction not in ("sendonly", "sendrecv", "inactive"):
            raise SfuError("bad_offer", f"the {slot} m-lines must be sendonly or sendrecv")
        if slot != UPLINK and m.direction not in ("recvonly", "sendrecv", "inactive"):
            raise SfuError("bad_offer", f"the {slot} m-lines must be recvonly or sendrecv")


def _negotiated(line: Line, answer_media: Any, remote_media: Any) -> None:
    """Fill a line's codec, extension and SSRC facts from the answer and the remote SDP."""
    codecs = answer_media.rtp.codecs
    primary = next((c for c in codecs if c.name.lower() != "rtx"), None)
    if primary is not None:
        rtx = next(
            (
                c
                for c in codecs
                if c.name.lower() == "rtx" and c.parameters.get("apt") == primary.payloadType
            ),
            None,
        )
        line.codec = CodecInfo(
            name=primary.name if primary.name.lower() != "opus" else "opus",
            clock_rate=primary.clockRate,
            pt=primary.payloadType,
            rtx_pt=rtx.payloadType if rtx is not None else None,
        )
        line.nack = any(fb.type == "nack" and not fb.parameter for fb in primary.rtcpFeedback)
    line.ast_id = next((e.id for e in answer_media.rtp.headerExtensions if e.uri == AST_URI), None)
    if remote_media.ssrc:
        line.remote_ssrc = remote_media.ssrc[0].ssrc
        for group in remote_media.ssrc_group:
            if group.semantic == "FID" and len(group.items) == 2:
                line.remote_rtx_ssrc = int(group.items[1])


def _ntp(t: float) -> int:
    return int((t + _NTP_EPOCH_OFFSET) * 4294967296.0) & 0xFFFFFFFFFFFFFFFF


class Peer:
    """One connection of the SFU, its lines, and its inbound and outbound streams."""

    def __init__(
        self,
        participant_id: str,
        role: str,
        pc: RTCPeerConnection,
        lines: list[Line],
    ) -> None:
        self.participant_id = participant_id
        self.role = role
        self.pc = pc
        self.lines = lines
        self.wire: Wire | None = None
        self.inbound: dict[tuple[str, str], InboundStream] = {}
        self.outbound: dict[tuple[str, str], OutboundTrack] = {}
        self._by_ssrc: dict[int, Callable[[bytes], None]] = {}
        self.channel: RTCDataChannel | None = None
        self.on_control: Callable[[Peer, dict[str, Any]], None] | None = None
        self.members: set[str] = set()  # participants below a downstream node
        self.ready = False
        self.closed = False

    # -- negotiation --------------------------------------------------------

    @classmethod
    async def answer(
        cls,
        participant_id: str,
        role: str,
        offer_sdp: str,
        video_codec: str,
        ice_servers: Sequence[str],
    ) -> tuple[Peer, str]:
        """Build the SFU side for a participant's offer; returns the peer and the answer SDP."""
        description = _parse_offer(offer_sdp)
        _check_layout(description, role)
        pc = _new_pc(ice_servers)
        lines: list[Line] = []
        for slot, kind in LAYOUTS[role]:
            sends = slot != UPLINK
            if sends:
                transceiver = pc.addTransceiver(IdleTrack(kind), direction="sendonly")
                # one MediaStream per slot so browsers lip-sync its audio and video
                transceiver.sender._stream_id = slot
            else:
                transceiver = pc.addTransceiver(kind, direction="recvonly")
            transceiver.setCodecPreferences(codec_preferences(kind, video_codec))
            lines.append(Line(slot=slot, kind=kind, sfu_sends=sends, transceiver=transceiver))
        peer = cls(participant_id, role, pc, lines)
        if role == NODE_ROLE:
            pc.on("datachannel", peer._set_channel)
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
            await pc.setLocalDescription(await pc.createAnswer())
        except SfuError:
            await pc.close()
            raise
        except Exception as exc:
            await pc.close()
            raise SfuError("bad_offer", f"cannot answer this offer: {exc}") from exc
        answer_sdp = pc.localDescription.sdp
        peer._learn(aiortc_sdp.SessionDescription.parse(answer_sdp), description)
        return peer, answer_sdp

    @classmethod
    async def offer_upstream(
        cls, node_id: str, video_codec: str, ice_servers: Sequence[str]
    ) -> tuple[Peer, str]:
        """Build this node's link to its upstream node; returns the peer and the offer SDP."""
        pc = _new_pc(ice_servers)
        lines: list[Line] = []
        for slot, kind in LAYOUTS[NODE_ROLE]:
            sends = slot == UPLINK
            if sends:
                transceiver = pc.addTransceiver(IdleTrack(kind), direction="sendonly")
            else:
                transceiver = pc.addTransceiver(kind, direction="recvonly")
            transceiver.setCodecPreferences(codec_preferences(kind, video_codec))
            lines.append(Line(slot=slot, kind=kind, sfu_sends=sends, transceiver=transceiver))
        peer = cls(f"upstream:{node_id}", UPSTREAM_ROLE, pc, lines)
        peer._set_channel(pc.createDataChannel(CONTROL_LABEL))
        await pc.setLocalDescription(await pc.createOffer())
        return peer, pc.localDescription.sdp

    async def accept_answer(self, answer_sdp: str) -> None:
        """Complete an upstream link with the upstream node's answer."""
        try:
            answer = aiortc_sdp.SessionDescription.parse(answer_sdp)
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer_sdp, type="answer"))
        except Exception as exc:
            raise SfuError("bad_answer", f"upstream answer rejected: {exc}") from exc
        self._learn(answer, answer)

    def _learn(
        self, answer: aiortc_sdp.SessionDescription, remote: aiortc_sdp.SessionDescription
    ) -> None:
        answer_media = [m for m in answer.media if m.kind in _AV]
        remote_media = [m for m in remote.media if m.kind in _AV]
        for line, a, r in zip(self.lines, answer_media, remote_media, strict=True):
            _negotiated(line, a, r)

    # -- control channel (node links) -------------------------------------

    def _set_channel(self, channel: RTCDataChannel) -> None:
        self.channel = channel

        def opened() -> None:
            if self.on_control is not None:
                self.on_control(self, {"type": "open"})

        if channel.readyState == "open":
            asyncio.get_running_loop().call_soon(opened)
        else:
            channel.on("open", opened)

        @channel.on("message")
        def on_message(message: object) -> None:
            if not isinstance(message, str) or self.on_control is None:
                return
            try:
                data = json.loads(message)
            except ValueError:
                return
            if isinstance(data, dict):
                self.on_control(self, data)

    def send_control(self, message: dict[str, Any]) -> bool:
        """Send a JSON control message to the node at the other end; False if not open."""
        if self.channel is None or self.channel.readyState != "open":
            return False
        self.channel.send(json.dumps(message))
        return True

    # -- the RTP path ---------------------------------------------------------

    def activate(self) -> None:
        """Called once connected: take over RTP and create the streams and tracks."""
        if self.ready or self.closed:
            return
        wire = attach_wire(self.pc, self._route)
        self.wire = wire
        for line in self.lines:
            if line.codec is None or line.transceiver.currentDirection == "inactive":
                continue
            sender: Any = line.transceiver.sender
            if line.sfu_sends:
                track = OutboundTrack(
                    wire,
                    line.kind,
                    line.codec,
                    ssrc=sender._ssrc,
                    rtx_ssrc=sender._rtx_ssrc if line.codec.rtx_pt is not None else None,
                    ast_id=line.ast_id,
                    nack_enabled=line.nack,
                    label=f"{self.participant_id}/{line.slot}/{line.kind}",
                )
                self.outbound[(line.slot, line.kind)] = track
                sender._handle_rtcp_packet = _rtcp_handler(track, sender._handle_rtcp_packet)
            else:
                stream = InboundStream(
                    line.kind,
                    line.codec,
                    FeedbackChannel(wire, sender._ssrc),
                    label=f"{self.participant_id}/{line.slot}/{line.kind}",
                    nack_upstream=line.nack,
                )
                self.inbound[(line.slot, line.kind)] = stream
                if line.remote_ssrc is not None:
                    self._by_ssrc[line.remote_ssrc] = stream.receive
                if line.remote_rtx_ssrc is not None and line.codec.rtx_pt is not None:
                    self._by_ssrc[line.remote_rtx_ssrc] = _rtx_receiver(stream)
        self.ready = True

    def _route(self, data: bytes) -> Callable[[bytes], None] | None:
        callback = self._by_ssrc.get(_SSRC.unpack_from(data, 8)[0])
        if callback is None:
            callback = self._learn_ssrc(_SSRC.unpack_from(data, 8)[0], data[1] & 0x7F)
        return callback

    def _learn_ssrc(self, ssrc: int, pt: int) -> Callable[[bytes], None] | None:
        """An SSRC the SDP did not announce: bind it by payload type if unambiguous."""
        if len(self._by_ssrc) > 64:
            return None
        matches = [
            (key, s) for key, s in self.inbound.items() if s.codec.pt == pt or s.codec.rtx_pt == pt
        ]
        if len(matches) != 1:
            return None
        _key, stream = matches[0]
        callback = _rtx_receiver(stream) if stream.codec.rtx_pt == pt else stream.receive
        self._by_ssrc[ssrc] = callback
        return callback

    def tick(self, now: float) -> None:
        """Periodic RTCP upkeep: sender-report figures, receiver reports, REMB."""
        for line in self.lines:
            track = self.outbound.get((line.slot, line.kind))
            if track is None:
                continue
            last = track.last_sent()
            if last is None:
                continue
            packets, octets = track.counters()
            sender: Any = line.transceiver.sender
            # aiortc's own sender task sends the SR; it just needs the figures
            sender._RTCRtpSender__rtp_timestamp = last[0]
            sender._RTCRtpSender__ntp_timestamp = _ntp(last[1])
            sender._RTCRtpSender__packet_count = packets
            sender._RTCRtpSender__octet_count = octets
        reports = []
        for stream in self.inbound.values():
            report = stream.receiver_report()
            if report is not None:
                reports.append(report)
            bitrate = stream.aggregate_remb(now)
            if bitrate is not None:
                stream.send_remb(bitrate)
        if reports and self.wire is not None:
            sender_ssrc = next(iter(self.inbound.values())).feedback.sender_ssrc
            self.wire.send_rtcp(rr_packet(sender_ssrc, reports))

    async def close(self) -> None:
        """Stop forwarding to and from this peer and close its connection."""
        if self.closed:
            return
        self.closed = True
        self.ready = False
        for track in self.outbound.values():
            track.switch(None)
        for stream in self.inbound.values():
            stream.close()
        if self.wire is not None:
            self.wire.close()
        await self.pc.close()

    def stats(self) -> dict[str, Any]:
        """Counters of this peer's streams and tracks."""
        wire = self.wire
        return {
            "role": self.role,
            "state": self.pc.connectionState,
            "ready": self.ready,
            "received_packets": wire.received_packets if wire else 0,
            "receive_errors": wire.receive_errors if wire else 0,
            "inbound": {
                f"{slot}/{kind}": {
                    "ssrc": s.ssrc,
                    "packets": s.packets,
                    "octets": s.octets,
                    "paused": s.paused,
                    "subscribers": len(s.sinks),
                    "keyframe_requests": s.keyframe_requests,
                    "plis_sent": s.keyframes_requested_upstream,
                    "nacks_sent": s.nacks_sent,
                    "dropped": s.dropped,
                }
                for (slot, kind), s in self.inbound.items()
            },
            "outbound": {
                f"{slot}/{kind}": {
                    "ssrc": t.ssrc,
                    "source": t.source.label if t.source is not None else None,
                    "packets": t.counters()[0],
                    "nacks_answered": t.nacks_answered,
                    "remb": t.remb,
                    "errors": t.errors,
                }
                for (slot, kind), t in self.outbound.items()
            },
        }


def _new_pc(ice_servers: Sequence[str]) -> RTCPeerConnection:
    servers = [RTCIceServer(urls=url) for url in ice_servers]
    # max-bundle: every transceiver shares the first one's transport from the
    # start. With aiortc's default "balanced" policy, a second transceiver of a
    # kind stays on a transport that BUNDLE negotiation then stops, and its
    # sender never sees RTCP (PLI, NACK, REMB).
    return RTCPeerConnection(
        RTCConfiguration(iceServers=servers, bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
    )


def _rtx_receiver(stream: InboundStream) -> Callable[[bytes], None]:
    """Unwrap a publisher's RFC 4588 retransmission and forward it as the original."""

    def receive(data: bytes) -> None:
        if not stream.ssrc:
            return
        try:
            original = rtp.unwrap_rtx(data, stream.codec.pt, stream.ssrc)
        except ValueError:
            return
        stream.receive(original)

    return receive


def _rtcp_handler(track: OutboundTrack, original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Replace an aiortc sender's RTCP handling: feedback goes to the SFU track."""

    async def handle(packet: Any) -> None:
        if isinstance(packet, RtcpPsfbPacket):
            if packet.fmt in (1, 4):  # PLI, FIR
                track.on_keyframe_request()
            elif packet.fmt == 15:
                parsed = parse_remb(packet.fci)
                if parsed is not None and track.ssrc in parsed[1]:
                    track.on_remb(parsed[0])
            return
        if isinstance(packet, RtcpRtpfbPacket):
            if packet.fmt == 1:
                track.on_nack([s & rtp.SEQ_MASK for s in packet.lost])
            return
        # sender/receiver reports keep feeding aiortc's statistics
        await original(packet)

    return handle
