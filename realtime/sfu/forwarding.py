"""The per-packet forwarding core: inbound publisher streams fanned out to outbound tracks.

An `InboundStream` is one publisher's audio or video stream as the SFU
receives it (already decrypted). An `OutboundTrack` is one subscriber's
outgoing stream in one slot; it has its own SSRC, sequence numbers and
timestamps, and is fed by at most one inbound stream at a time. Switching
the source of an outbound track (floor change) keeps its sequence numbers
and timestamps continuous.

The hot loop is `InboundStream.receive`: one header unpack, one header
normalisation, then per subscriber a copy into the subscriber's SRTP buffer,
one `pack_into` of M/PT, sequence number, timestamp and SSRC, libsrtp
protect in place and `sendto`.
"""

from __future__ import annotations

import asyncio
import random
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass

from pylibsrtp._binding import lib

from . import packet as rtp
from .wire import Wire, max_packet_size

VIDEO_RING_SIZE = 512  # ~1-2 s of 1-2 Mbit/s video: enough to answer NACKs
KEYFRAME_INTERVAL = 1.0  # at most one PLI a second per publisher stream
NACK_BATCH_LIMIT = 64
REMB_FRESH_SECONDS = 5.0
# A paused video uplink (a room waiting for the floor) is asked to keep to this: enough to
# show a picture the moment the floor switches, little enough that a commune's weak link
# is not spent sending 720p the SFU drops.
PAUSED_VIDEO_BITRATE = 150_000
# Sent to lift that cap the moment the stream is watched again, until its subscribers'
# own estimates arrive (REMB is a ceiling the publisher keeps until told another).
LIFTED_VIDEO_BITRATE = 2_500_000

_MAX_PACKET = max_packet_size()
_ZERO4 = b"\x00\x00\x00\x00"
_U16 = struct.Struct(">H")


class Throttle:
    """Allows an action at most once per `interval` seconds of a monotonic clock."""

    __slots__ = ("interval", "last")

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.last: float | None = None

    def allow(self, now: float) -> bool:
        """Whether the action may happen at `now`; records it if so."""
        if self.last is None or now - self.last >= self.interval:
            self.last = now
            return True
        return False

    def next_allowed(self, now: float) -> float:
        """The earliest time the action will be allowed again."""
        if self.last is None:
            return now
        return max(now, self.last + self.interval)


@dataclass
class CodecInfo:
    """A negotiated codec as one peer numbers it."""

    name: str  # "VP8", "H264", "opus"
    clock_rate: int
    pt: int
    rtx_pt: int | None = None


class FeedbackChannel:
    """RTCP sent back towards a publisher (PLI, NACK, REMB, RR) over its wire."""

    def __init__(self, wire: Wire | None, sender_ssrc: int) -> None:
        self.wire = wire
        self.sender_ssrc = sender_ssrc

    def send(self, packet: bytes) -> None:
        """Send one RTCP packet if the wire is up."""
        if self.wire is not None and not self.wire.closed:
            self.wire.send_rtcp(packet)


def pli_packet(sender_ssrc: int, media_ssrc: int) -> bytes:
    """RTCP PSFB PLI (RFC 4585 §6.3.1)."""
    return struct.pack(">BBHII", 0x81, 206, 2, sender_ssrc, media_ssrc)


def nack_packet(sender_ssrc: int, media_ssrc: int, lost: list[int]) -> bytes:
    """RTCP RTPFB generic NACK (RFC 4585 §6.2.1) for 16-bit sequence numbers."""
    fci = bytearray()
    lost = sorted(set(lost), key=lambda s: (s - lost[0]) & rtp.SEQ_MASK)
    i = 0
    while i < len(lost):
        pid = lost[i]
        blp = 0
        i += 1
        while i < len(lost):
            d = (lost[i] - pid - 1) & rtp.SEQ_MASK
            if d >= 16:
                break
            blp |= 1 << d
            i += 1
        fci += struct.pack(">HH", pid, blp)
    length = 2 + len(fci) // 4
    return struct.pack(">BBHII", 0x81, 205, length, sender_ssrc, media_ssrc) + bytes(fci)


def parse_nack(fci: bytes) -> list[int]:
    """Sequence numbers named by a generic NACK's FCI entries, wrap-around safe."""
    lost: list[int] = []
    for pos in range(0, len(fci) - 3, 4):
        pid, blp = struct.unpack_from(">HH", fci, pos)
        lost.append(pid)
        for d in range(16):
            if (blp >> d) & 1:
                lost.append((pid + d + 1) & rtp.SEQ_MASK)
    return lost


def remb_packet(sender_ssrc: int, bitrate: int, ssrcs: list[int]) -> bytes:
    """RTCP PSFB APP REMB (draft-alvestrand-rmcat-remb-03)."""
    exponent = 0
    mantissa = max(0, int(bitrate))
    while mantissa > 0x3FFFF:
        mantissa >>= 1
        exponent += 1
    fci = b"REMB" + struct.pack(
        ">BBH", len(ssrcs), (exponent << 2) | (mantissa >> 16), mantissa & 0xFFFF
    )
    fci += b"".join(struct.pack(">I", s) for s in ssrcs)
    length = 2 + len(fci) // 4
    return struct.pack(">BBHII", 0x8F, 206, length, sender_ssrc, 0) + fci


def parse_remb(fci: bytes) -> tuple[int, list[int]] | None:
    """(bitrate, ssrcs) of a REMB FCI, or None if it is not one."""
    if len(fci) < 8 or fci[0:4] != b"REMB":
        return None
    exponent = fci[5] >> 2
    mantissa = ((fci[5] & 0x03) << 16) | (fci[6] << 8) | fci[7]
    count = fci[4]
    ssrcs = [
        struct.unpack_from(">I", fci, 8 + 4 * i)[0] for i in range(count) if 12 + 4 * i <= len(fci)
    ]
    return mantissa << exponent, ssrcs


def rr_packet(sender_ssrc: int, reports: list[tuple[int, int, int, int]]) -> bytes:
    """RTCP receiver report: (ssrc, fraction_lost, cumulative_lost, extended_highest_seq)."""
    body = struct.pack(">I", sender_ssrc)
    for ssrc, fraction, lost, highest in reports:
        lost = max(-0x800000, min(0x7FFFFF, lost)) & 0xFFFFFF
        body += struct.pack(">IIIIII", ssrc, (fraction << 24) | lost, highest & 0xFFFFFFFF, 0, 0, 0)
    return struct.pack(">BBH", 0x80 | len(reports), 201, len(body) // 4) + body


class InboundStream:
    """One publisher stream (audio or video) received by the SFU."""

    def __init__(
        self,
        kind: str,
        codec: CodecInfo,
        feedback: FeedbackChannel,
        label: str = "",
        nack_upstream: bool = False,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self.kind = kind
        self.video = kind == "video"
        self.codec = codec
        self.feedback = feedback
        self.label = label
        self.ssrc = 0
        self.sinks: list[OutboundTrack] = []
        self.waiting: list[OutboundTrack] = []
        self.taps: list[Callable[[bytes], None]] = []
        self.ring: list[bytes | None] | None = [None] * VIDEO_RING_SIZE if self.video else None
        self.nack_upstream = nack_upstream and self.video
        self.started = False
        self.last_seq = 0
        self.last_ts = 0
        self.last_time = 0.0
        self.cycles = 0
        self.base_seq = 0
        self.packets = 0
        self.octets = 0
        self.dropped = 0
        self.keyframe_requests = 0
        self.keyframes_requested_upstream = 0
        self.nacks_sent = 0
        self._keyframe_throttle = Throttle(KEYFRAME_INTERVAL)
        self._deferred: asyncio.TimerHandle | None = None
        self._loop = loop
        self._rr_expected_prior = 0
        self._rr_received_prior = 0
        self._capped = False  # told PAUSED_VIDEO_BITRATE, not yet a subscriber's estimate

    # -- hot path ---------------------------------------------------------

    def receive(self, data: bytes) -> None:
        """Forward one decrypted RTP packet to every active outbound track."""
        b0, b1, seq, ts, ssrc = rtp.HEADER.unpack_from(data)
        now = time.time()
        try:
            if self.video:
                pkt = rtp.normalize_video(data, int(now * 262144.0))
                ext_pos = 16 + 4 * (b0 & 0x0F)
            else:
                pkt = rtp.normalize_audio(data)
                ext_pos = 0
        except ValueError:
            self.dropped += 1
            return
        n = len(pkt)
        if n > _MAX_PACKET:
            self.dropped += 1
            return
        if not self.started or ssrc != self.ssrc:
            self._restart(ssrc, seq, ts, now)
        elif ((seq - self.last_seq) & 0xFFFF) < 0x8000:
            gap = (seq - self.last_seq) & 0xFFFF
            if gap != 1 and gap != 0 and self.nack_upstream and gap <= NACK_BATCH_LIMIT:
                self._nack_upstream(gap)
            if seq < self.last_seq:
                self.cycles += 0x10000
            self.last_seq = seq
            self.last_ts = ts
            self.last_time = now
        self.packets += 1
        self.octets += n
        ring = self.ring
        if ring is not None:
            ring[seq & (VIDEO_RING_SIZE - 1)] = pkt
        if self.waiting:
            self._admit(pkt, seq, ts, now)

        mpt = b1 & 0x80
        protect = lib.srtp_protect
        pack = rtp.REWRITE.pack_into
        for s in self.sinks:
            try:
                buf = s.buf
                buf[0:n] = pkt
                pack(
                    buf,
                    1,
                    mpt | s.pt,
                    (seq + s.seq_off) & 0xFFFF,
                    (ts + s.ts_off) & 0xFFFFFFFF,
                    s.ssrc,
                )
                if ext_pos:
                    buf[ext_pos : ext_pos + s.ast_len] = s.ast_element
                lenp = s.lenp
                lenp[0] = n
                if protect(s.srtp, s.cdata, lenp) == 0:
                    s.sendto(s.view[: lenp[0]], s.addr)
            except Exception:
                s.errors += 1
        if self.taps:
            for tap in self.taps:
                tap(pkt)

    # -- stream state -----------------------------------------------------

    def _restart(self, ssrc: int, seq: int, ts: int, now: float) -> None:
        """First packet, or the publisher restarted its stream with a new SSRC."""
        restarted = self.started
        if restarted:
            # Outbound tracks fed by the old SSRC get new offsets from the next
            # decodable packet, so their sequence numbers stay continuous.
            frozen = [*self.sinks]
            for sink in frozen:
                sink.freeze()
            self.sinks = []
            self.waiting = [*self.waiting, *frozen]
        self.ssrc = ssrc
        self.started = True
        self.base_seq = seq
        self.cycles = 0
        self.last_seq = seq
        self.last_ts = ts
        self.last_time = now
        self._rr_expected_prior = 0
        self._rr_received_prior = 0
        if self.ring is not None:
            self.ring = [None] * VIDEO_RING_SIZE
        self.packets = 0
        self.octets = 0
        if restarted or self.waiting:
            self.request_keyframe()

    def _admit(self, pkt: bytes, seq: int, ts: int, now: float) -> None:
        """Start outbound tracks that waited for a point they can decode from."""
        if self.video and not rtp.is_keyframe_start(self.codec.name, pkt):
            return
        admitted = self.waiting
        self.waiting = []
        for sink in admitted:
            sink.begin(seq, ts, now, len(pkt))
        self.sinks = self.sinks + admitted

    def _nack_upstream(self, gap: int) -> None:
        """Ask the publisher to resend packets missing between last_seq and this one."""
        missing = [(self.last_seq + i) & 0xFFFF for i in range(1, gap)]
        self.nacks_sent += 1
        self.feedback.send(nack_packet(self.feedback.sender_ssrc, self.ssrc, missing))

    def attach(self, sink: OutboundTrack) -> None:
        """Start feeding an outbound track from the next decodable packet."""
        if sink in self.sinks or sink in self.waiting:
            return
        self.waiting = [*self.waiting, sink]
        if self.video:
            self.request_keyframe()

    def detach(self, sink: OutboundTrack) -> None:
        """Stop feeding an outbound track."""
        if sink in self.sinks:
            self.sinks = [s for s in self.sinks if s is not sink]
        if sink in self.waiting:
            self.waiting = [s for s in self.waiting if s is not sink]

    @property
    def paused(self) -> bool:
        """Nobody is fed by this stream: its packets are decrypted and dropped."""
        return not self.sinks and not self.waiting and not self.taps

    # -- feedback towards the publisher -----------------------------------

    def request_keyframe(self) -> None:
        """Send a PLI to the publisher, at most once a second; defer one if throttled."""
        if not self.video:
            return
        self.keyframe_requests += 1
        loop = self._loop or asyncio.get_running_loop()
        now = loop.time()
        if not self.ssrc:
            return  # nothing received yet: asked again on the first packet
        if self._keyframe_throttle.allow(now):
            self._send_pli()
        elif self._deferred is None:
            when = self._keyframe_throttle.next_allowed(now)
            self._deferred = loop.call_at(when, self._deferred_pli)

    def _deferred_pli(self) -> None:
        self._deferred = None
        loop = self._loop or asyncio.get_running_loop()
        if self._keyframe_throttle.allow(loop.time()):
            self._send_pli()

    def _send_pli(self) -> None:
        self.keyframes_requested_upstream += 1
        self.feedback.send(pli_packet(self.feedback.sender_ssrc, self.ssrc))

    def send_remb(self, bitrate: int) -> None:
        """Tell the publisher the most this stream's subscribers can take."""
        if self.ssrc:
            self.feedback.send(remb_packet(self.feedback.sender_ssrc, bitrate, [self.ssrc]))

    def aggregate_remb(self, now: float) -> int | None:
        """The lowest fresh REMB among the tracks this stream feeds; a paused video stream
        is held to `PAUSED_VIDEO_BITRATE`."""
        if self.video and self.paused:
            self._capped = True
            return PAUSED_VIDEO_BITRATE
        values = [
            s.remb
            for s in self.sinks
            if s.remb is not None and now - s.remb_time <= REMB_FRESH_SECONDS
        ]
        if values:
            self._capped = False
            return min(values)
        return LIFTED_VIDEO_BITRATE if self._capped else None

    def receiver_report(self) -> tuple[int, int, int, int] | None:
        """(ssrc, fraction lost, cumulative lost, extended highest seq) since the last call."""
        if not self.started:
            return None
        highest = self.cycles + self.last_seq
        expected = highest - self.base_seq + 1
        # resent and duplicated packets must not make the loss negative
        lost = max(0, expected - self.packets)
        expected_interval = expected - self._rr_expected_prior
        received_interval = self.packets - self._rr_received_prior
        self._rr_expected_prior = expected
        self._rr_received_prior = self.packets
        lost_interval = expected_interval - received_interval
        fraction = 0
        if expected_interval > 0 and lost_interval > 0:
            fraction = min(255, (lost_interval << 8) // expected_interval)
        return self.ssrc, fraction, lost, highest

    def close(self) -> None:
        """Cancel a deferred keyframe request and drop every outbound track."""
        if self._deferred is not None:
            self._deferred.cancel()
            self._deferred = None
        for sink in [*self.sinks, *self.waiting]:
            sink.source_closed(self)
        self.sinks = []
        self.waiting = []
        self.taps = []


class OutboundTrack:
    """One subscriber's outgoing stream in one slot, with its own SSRC and numbering."""

    __slots__ = (
        "addr",
        "ast_byte",
        "ast_element",
        "ast_len",
        "buf",
        "cdata",
        "codec",
        "errors",
        "kind",
        "label",
        "lenp",
        "nack_enabled",
        "nacks_answered",
        "next_seq",
        "next_ts",
        "octets_base",
        "packets_base",
        "pt",
        "remb",
        "remb_time",
        "rtx_pt",
        "rtx_seq",
        "rtx_ssrc",
        "sendto",
        "seq_off",
        "source",
        "source_octets_at_start",
        "source_packets_at_start",
        "source_seq_start",
        "srtp",
        "ssrc",
        "started",
        "stopped_time",
        "ts_off",
        "view",
        "wire",
    )

    def __init__(
        self,
        wire: Wire,
        kind: str,
        codec: CodecInfo,
        ssrc: int,
        rtx_ssrc: int | None = None,
        ast_id: int | None = None,
        nack_enabled: bool = True,
        label: str = "",
    ) -> None:
        self.wire = wire
        self.kind = kind
        self.codec = codec
        self.label = label
        self.ssrc = ssrc
        self.pt = codec.pt
        self.rtx_pt = codec.rtx_pt if rtx_ssrc is not None else None
        self.rtx_ssrc = rtx_ssrc or 0
        self.ast_byte = rtp.ast_id_byte(ast_id)
        # written over the placeholder element: the subscriber's ID byte for
        # abs-send-time, or 4 padding bytes if it did not negotiate it
        self.ast_element = bytes((self.ast_byte,)) if self.ast_byte else _ZERO4
        self.ast_len = len(self.ast_element)
        self.nack_enabled = nack_enabled
        # the wire's SRTP state, copied here so the hot loop does one
        # attribute load per field instead of two
        self.buf = wire.tx_buffer
        self.view = wire.tx_view
        self.cdata = wire.tx_cdata
        self.srtp = wire.tx_srtp
        self.lenp = wire.tx_len
        self.sendto = wire.sendto
        self.addr = wire.addr
        self.source: InboundStream | None = None
        self.started = False
        self.seq_off = 0
        self.ts_off = 0
        # where the next packet after a (re)start continues from
        self.next_seq = random.randint(0, 0x7FFF)
        self.next_ts = random.randint(0, rtp.TS_MASK)
        self.stopped_time: float | None = None
        self.source_seq_start = 0
        self.source_packets_at_start = 0
        self.source_octets_at_start = 0
        self.packets_base = 0
        self.octets_base = 0
        self.rtx_seq = random.randint(0, 0x7FFF)
        self.remb: int | None = None
        self.remb_time = 0.0
        self.errors = 0
        self.nacks_answered = 0

    # -- source switching -------------------------------------------------

    def switch(self, source: InboundStream | None) -> None:
        """Feed this track from another stream (or none), without a numbering jump."""
        if source is self.source:
            return
        old = self.source
        if old is not None:
            self.freeze()
            old.detach(self)
        self.source = source
        if source is not None:
            source.attach(self)

    def freeze(self) -> None:
        """Remember where numbering stands so a later source continues from there."""
        src = self.source
        if src is None or not self.started:
            return
        self.next_seq = (src.last_seq + self.seq_off + 1) & rtp.SEQ_MASK
        self.next_ts = (src.last_ts + self.ts_off) & rtp.TS_MASK
        self.stopped_time = src.last_time
        self.packets_base += src.packets - self.source_packets_at_start
        self.octets_base += src.octets - self.source_octets_at_start
        self.started = False

    def begin(self, seq: int, ts: int, now: float, size: int) -> None:
        """Compute offsets so that source packet (seq, ts) continues this track's numbering."""
        src = self.source
        self.seq_off = (self.next_seq - seq) & rtp.SEQ_MASK
        if self.stopped_time is None:
            out_ts = self.next_ts
        else:
            elapsed = max(0.0, now - self.stopped_time)
            out_ts = self.next_ts + max(1, int(elapsed * self.codec.clock_rate))
        self.ts_off = (out_ts - ts) & rtp.TS_MASK
        self.source_seq_start = seq
        if src is not None:
            # the source already counted the packet this track starts with
            self.source_packets_at_start = src.packets - 1
            self.source_octets_at_start = src.octets - size
        self.started = True

    def source_closed(self, source: InboundStream) -> None:
        """The source went away (publisher left): keep numbering for the next one."""
        if self.source is source:
            self.freeze()
            self.source = None

    # -- counters for RTCP sender reports ---------------------------------

    def counters(self) -> tuple[int, int]:
        """(packets, octets) sent so far on this track."""
        src = self.source
        if src is not None and self.started:
            return (
                self.packets_base + src.packets - self.source_packets_at_start,
                self.octets_base + src.octets - self.source_octets_at_start,
            )
        return self.packets_base, self.octets_base

    def last_sent(self) -> tuple[int, float] | None:
        """(RTP timestamp, wall time) of the newest packet sent, for sender reports."""
        src = self.source
        if src is not None and self.started:
            return (src.last_ts + self.ts_off) & rtp.TS_MASK, src.last_time
        if self.stopped_time is not None:
            return self.next_ts, self.stopped_time
        return None

    # -- feedback from the subscriber -------------------------------------

    def on_keyframe_request(self) -> None:
        """A subscriber's PLI or FIR: relay to the current publisher (throttled there)."""
        if self.source is not None:
            self.source.request_keyframe()

    def on_remb(self, bitrate: int) -> None:
        """Record the subscriber's latest receive estimate."""
        self.remb = bitrate
        self.remb_time = time.time()

    def on_nack(self, lost: list[int]) -> int:
        """Resend the named packets from the source's ring buffer; returns how many."""
        src = self.source
        if not self.nack_enabled or src is None or src.ring is None or not self.started:
            return 0
        sent = 0
        for out_seq in lost[:NACK_BATCH_LIMIT]:
            seq = (out_seq - self.seq_off) & rtp.SEQ_MASK
            if rtp.seq_newer(self.source_seq_start, seq):
                continue  # from before this track was fed by this source
            pkt = src.ring[seq & (VIDEO_RING_SIZE - 1)]
            if pkt is None or _U16.unpack_from(pkt, 2)[0] != seq:
                continue
            self.wire.send_rtp(self._retransmission(pkt, out_seq))
            sent += 1
        self.nacks_answered += sent
        return sent

    def rewrite(self, pkt: bytes) -> bytearray:
        """A source packet renumbered for this track (the hot loop does this in place)."""
        b1, seq, ts = struct.unpack_from(">BHI", pkt, 1)
        out = bytearray(pkt)
        rtp.REWRITE.pack_into(
            out,
            1,
            (b1 & 0x80) | self.pt,
            (seq + self.seq_off) & rtp.SEQ_MASK,
            (ts + self.ts_off) & rtp.TS_MASK,
            self.ssrc,
        )
        if pkt[0] & 0x10 and self.kind == "video":
            pos = rtp.fixed_length(pkt) + 4
            if self.ast_byte:
                out[pos] = self.ast_byte
            else:
                out[pos : pos + 4] = _ZERO4
        return out

    def _retransmission(self, pkt: bytes, out_seq: int) -> bytes:
        out = bytes(self.rewrite(pkt))
        if self.rtx_pt is None:
            return out
        ts = struct.unpack_from(">I", out, 4)[0]
        rtx = rtp.wrap_rtx(out, self.rtx_pt, self.rtx_seq, ts, self.rtx_ssrc, out_seq)
        self.rtx_seq = (self.rtx_seq + 1) & rtp.SEQ_MASK
        return rtx
