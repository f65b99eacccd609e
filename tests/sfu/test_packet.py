"""RTP byte-level helpers: header normalisation, keyframe detection, RTX, RTCP feedback."""

from __future__ import annotations

import struct

from aiortc.rtp import RtcpPacket, RtcpPsfbPacket, RtcpRtpfbPacket, RtpPacket, unpack_remb_fci

from realtime.sfu import packet as rtp
from realtime.sfu.forwarding import (
    Throttle,
    nack_packet,
    parse_nack,
    parse_remb,
    pli_packet,
    remb_packet,
    rr_packet,
)


def make_rtp(
    payload: bytes,
    seq: int = 1000,
    ts: int = 90000,
    ssrc: int = 0x11223344,
    pt: int = 96,
    marker: bool = False,
    extensions: bytes = b"",
    csrcs: tuple[int, ...] = (),
    padding: int = 0,
) -> bytes:
    """Build an RTP packet by hand (RFC 3550 §5.1)."""
    b0 = 0x80 | len(csrcs)
    if extensions:
        b0 |= 0x10
    if padding:
        b0 |= 0x20
    head = struct.pack(">BBHII", b0, (0x80 if marker else 0) | pt, seq, ts, ssrc)
    head += b"".join(struct.pack(">I", c) for c in csrcs)
    if extensions:
        words = (len(extensions) + 3) // 4
        head += b"\xbe\xde" + struct.pack(">H", words) + extensions.ljust(words * 4, b"\0")
    tail = bytes(padding - 1) + bytes((padding,)) if padding else b""
    return head + payload + tail


# mid="1" (id 1, 1 byte) and abs-send-time (id 3, 3 bytes) as a browser sends them
BROWSER_EXT = bytes((0x10,)) + b"1" + bytes((0x32, 0xAA, 0xBB, 0xCC))


def test_normalize_video_replaces_extensions_with_one_abs_send_time() -> None:
    data = make_rtp(b"\x10\x00payload", extensions=BROWSER_EXT, marker=True)
    out = rtp.normalize_video(data, 0x123456)
    parsed = RtpPacket.parse(out)
    assert parsed.payload == b"\x10\x00payload"
    assert parsed.marker == 1 and parsed.sequence_number == 1000
    assert out[12:16] == b"\xbe\xde\x00\x01"
    assert out[16] == (rtp.PLACEHOLDER_AST_ID << 4) | 2
    assert out[17:20] == b"\x12\x34\x56"
    # the publisher's MID ("1") is gone
    assert b"\x101" not in out[12:20]


def test_normalize_video_adds_extension_block_when_there_was_none() -> None:
    data = make_rtp(b"abc")
    out = rtp.normalize_video(data, 7)
    assert out[0] & 0x10
    assert RtpPacket.parse(out).payload == b"abc"


def test_normalize_video_keeps_csrcs() -> None:
    data = make_rtp(b"abc", csrcs=(5, 6), extensions=BROWSER_EXT)
    out = rtp.normalize_video(data, 7)
    parsed = RtpPacket.parse(out)
    assert parsed.csrc == [5, 6] and parsed.payload == b"abc"


def test_normalize_audio_strips_extensions_and_keeps_unextended_packets_as_is() -> None:
    data = make_rtp(b"opus", extensions=bytes((0x10,)) + b"0" + bytes((0x20, 0x7F)))
    out = rtp.normalize_audio(data)
    assert not out[0] & 0x10
    assert RtpPacket.parse(out).payload == b"opus"
    plain = make_rtp(b"opus")
    assert rtp.normalize_audio(plain) is plain


def test_normalize_rejects_truncated_extension() -> None:
    data = make_rtp(b"x", extensions=BROWSER_EXT)[:14]
    for normalize in (lambda d: rtp.normalize_video(d, 0), rtp.normalize_audio):
        try:
            normalize(data)
        except ValueError:
            continue
        raise AssertionError("truncated extension accepted")


def test_payload_bounds_skip_extensions_and_padding() -> None:
    data = make_rtp(b"PAYLOAD", extensions=BROWSER_EXT, padding=4)
    start, end = rtp.payload_bounds(data)
    assert data[start:end] == b"PAYLOAD"


def test_vp8_keyframe_detection() -> None:
    # S=1, PID=0, no extension; VP8 header P bit 0 => keyframe
    assert rtp.is_keyframe_start("VP8", make_rtp(b"\x10\x00\x00\x00"))
    # P bit 1 => interframe
    assert not rtp.is_keyframe_start("VP8", make_rtp(b"\x10\x01\x00\x00"))
    # continuation packet (S=0)
    assert not rtp.is_keyframe_start("VP8", make_rtp(b"\x00\x00\x00\x00"))
    # X=1, I=1 with a 15-bit picture id (M bit), L=1, T=1
    assert rtp.is_keyframe_start("VP8", make_rtp(b"\x90\xe0\x81\x23\x05\x40\x00"))
    assert not rtp.is_keyframe_start("VP8", make_rtp(b"\x90\xe0\x81\x23\x05\x40\x01"))
    # and through extensions and padding
    assert rtp.is_keyframe_start(
        "VP8", make_rtp(b"\x10\x00\x9d", extensions=BROWSER_EXT, padding=3)
    )


def test_h264_keyframe_detection() -> None:
    assert rtp.is_keyframe_start("H264", make_rtp(b"\x67\x42"))  # SPS
    assert rtp.is_keyframe_start("H264", make_rtp(b"\x65\x88"))  # IDR slice
    assert not rtp.is_keyframe_start("H264", make_rtp(b"\x41\x9a"))  # non-IDR slice
    stap_a = b"\x78" + struct.pack(">H", 2) + b"\x67\x42" + struct.pack(">H", 2) + b"\x68\xce"
    assert rtp.is_keyframe_start("H264", make_rtp(stap_a))
    stap_p = b"\x78" + struct.pack(">H", 2) + b"\x41\x9a"
    assert not rtp.is_keyframe_start("H264", make_rtp(stap_p))
    assert rtp.is_keyframe_start("H264", make_rtp(b"\x7c\x85\x00"))  # FU-A start of IDR
    assert not rtp.is_keyframe_start("H264", make_rtp(b"\x7c\x05\x00"))  # FU-A middle


def test_audio_never_waits_for_a_keyframe() -> None:
    assert rtp.is_keyframe_start("opus", make_rtp(b"\xff"))


def test_rtx_wrap_and_unwrap_round_trip() -> None:
    original = make_rtp(b"\x10\x00frame", seq=4242, ts=123, ssrc=99, pt=96, marker=True, padding=4)
    rtx = rtp.wrap_rtx(original, rtx_pt=97, rtx_seq=7, ts=123, rtx_ssrc=100, original_seq=4242)
    parsed = RtpPacket.parse(rtx)
    assert (parsed.payload_type, parsed.sequence_number, parsed.ssrc) == (97, 7, 100)
    assert parsed.payload == struct.pack(">H", 4242) + b"\x10\x00frame"
    back = RtpPacket.parse(rtp.unwrap_rtx(rtx, pt=96, ssrc=99))
    assert (back.payload_type, back.sequence_number, back.ssrc) == (96, 4242, 99)
    assert back.payload == b"\x10\x00frame" and back.marker == 1


def test_seq_newer_wraps() -> None:
    assert rtp.seq_newer(1, 0)
    assert rtp.seq_newer(0, 0xFFFF)
    assert not rtp.seq_newer(0xFFFF, 0)
    assert not rtp.seq_newer(5, 5)


def test_is_rtcp_matches_rfc5761() -> None:
    assert rtp.is_rtcp(pli_packet(1, 2))
    assert not rtp.is_rtcp(make_rtp(b"x", pt=96, marker=True))


def test_pli_parses_with_aiortc() -> None:
    (packet,) = RtcpPacket.parse(pli_packet(1, 2))
    assert isinstance(packet, RtcpPsfbPacket)
    assert (packet.fmt, packet.ssrc, packet.media_ssrc) == (1, 1, 2)


def test_nack_round_trip_including_wrap_around() -> None:
    lost = [65530, 65531, 65535, 0, 3, 40]
    data = nack_packet(1, 2, lost)
    (packet,) = RtcpPacket.parse(data)
    assert isinstance(packet, RtcpRtpfbPacket) and packet.media_ssrc == 2
    fci = data[12:]
    assert sorted(parse_nack(fci)) == sorted(lost)


def test_remb_round_trip_and_aiortc_agrees() -> None:
    data = remb_packet(1, 1_500_000, [10, 20])
    (packet,) = RtcpPacket.parse(data)
    assert isinstance(packet, RtcpPsfbPacket) and packet.fmt == 15
    bitrate, ssrcs = unpack_remb_fci(packet.fci)
    assert ssrcs == [10, 20]
    assert parse_remb(packet.fci) == (bitrate, [10, 20])
    # 18-bit mantissa: exact to within one part in 2^17
    assert abs(bitrate - 1_500_000) <= 1_500_000 >> 17
    assert parse_remb(b"NOPE1234") is None


def test_receiver_report_parses_with_aiortc() -> None:
    (packet,) = RtcpPacket.parse(rr_packet(7, [(99, 12, 3, 70000)]))
    report = packet.reports[0]  # type: ignore[union-attr]
    assert (report.ssrc, report.fraction_lost, report.packets_lost, report.highest_sequence) == (
        99,
        12,
        3,
        70000,
    )


def test_throttle_allows_once_per_interval() -> None:
    throttle = Throttle(1.0)
    assert throttle.allow(10.0)
    assert not throttle.allow(10.5)
    assert throttle.next_allowed(10.5) == 11.0
    assert not throttle.allow(10.99)
    assert throttle.allow(11.0)
    assert not throttle.allow(11.2)
