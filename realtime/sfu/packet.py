"""RTP packet bytes as the forwarding path handles them (RFC 3550, RFC 8285, RFC 4588).

Everything here works on raw `bytes` at fixed offsets: no packet objects are
built on the per-packet path.
"""

from __future__ import annotations

import struct

# Fixed header: V/P/X/CC, M/PT, sequence number, timestamp, SSRC.
HEADER = struct.Struct(">BBHII")
# Bytes 1..11 of the fixed header: M/PT, sequence number, timestamp, SSRC.
# Rewriting them is one `pack_into` at offset 1 (covers offsets 2, 4 and 8).
REWRITE = struct.Struct(">BHII")
_U16 = struct.Struct(">H")

ONE_BYTE_PROFILE = b"\xbe\xde"
# The SFU sends video with exactly one header extension element,
# abs-send-time (3 bytes), in a one-byte-header block; the element's ID
# byte is patched per subscriber because each subscriber negotiated its own
# extension IDs.
AST_BLOCK_LENGTH = 8
PLACEHOLDER_AST_ID = 3

SEQ_MASK = 0xFFFF
TS_MASK = 0xFFFFFFFF


def is_rtcp(data: bytes) -> bool:
    """RFC 5761 demultiplexing: RTCP packet types 192..223 sit where RTP has M/PT."""
    return len(data) >= 2 and 192 <= data[1] <= 223


def seq_newer(a: int, b: int) -> bool:
    """Whether 16-bit sequence number `a` comes after `b` (wrap-around aware)."""
    return a != b and ((a - b) & SEQ_MASK) < 0x8000


def fixed_length(data: bytes) -> int:
    """Length of the fixed header plus the CSRC list."""
    return 12 + 4 * (data[0] & 0x0F)


def payload_bounds(data: bytes) -> tuple[int, int]:
    """(start, end) of the payload: after header extensions, before padding."""
    start = fixed_length(data)
    if data[0] & 0x10:
        if len(data) < start + 4:
            raise ValueError("RTP header extension truncated")
        start += 4 + 4 * _U16.unpack_from(data, start + 2)[0]
    end = len(data)
    if data[0] & 0x20:
        end -= data[-1]
    if start > end:
        raise ValueError("RTP packet shorter than its header")
    return start, end


def ast_id_byte(extension_id: int | None) -> int:
    """The one-byte-header element byte for abs-send-time; 0 means 'not negotiated'."""
    if extension_id is None:
        return 0
    return (extension_id << 4) | 2


def normalize_video(data: bytes, abs_send_time: int) -> bytes:
    """Replace whatever extensions the publisher sent with one abs-send-time element.

    The publisher's MID extension must never reach a subscriber (it names the
    publisher's m-line, and browsers demultiplex on it), and its extension IDs
    are not the subscriber's. abs-send-time is rewritten with the SFU's own
    send time so subscribers estimate bandwidth of the SFU→subscriber path.
    """
    b0 = data[0]
    off = 12 + 4 * (b0 & 0x0F)
    start = off
    if b0 & 0x10:
        if len(data) < off + 4:
            raise ValueError("RTP header extension truncated")
        start = off + 4 + 4 * _U16.unpack_from(data, off + 2)[0]
        if start > len(data):
            raise ValueError("RTP header extension truncated")
    ast = abs_send_time & 0xFFFFFF
    return b"".join(
        (
            bytes((b0 | 0x10, data[1])),
            data[2:off],
            ONE_BYTE_PROFILE,
            b"\x00\x01",
            bytes(((PLACEHOLDER_AST_ID << 4) | 2, ast >> 16, (ast >> 8) & 0xFF, ast & 0xFF)),
            data[start:],
        )
    )


def normalize_audio(data: bytes) -> bytes:
    """Strip header extensions (MID, audio level) from an audio packet."""
    b0 = data[0]
    if not b0 & 0x10:
        return data
    off = 12 + 4 * (b0 & 0x0F)
    if len(data) < off + 4:
        raise ValueError("RTP header extension truncated")
    start = off + 4 + 4 * _U16.unpack_from(data, off + 2)[0]
    if start > len(data):
        raise ValueError("RTP header extension truncated")
    return bytes((b0 & 0xEF, data[1])) + data[2:off] + data[start:]


def abs_send_time(now: float) -> int:
    """abs-send-time: 6.18 fixed-point seconds, 24 bits, wrapping every 64 s."""
    return int(now * 262144.0) & 0xFFFFFF


def is_vp8_keyframe_start(data: bytes, start: int, end: int) -> bool:
    """Whether this VP8 packet starts a keyframe (RFC 7741 §4.2, §4.3)."""
    if end - start < 2:
        return False
    d0 = data[start]
    # S bit set and partition index 0: the first packet of a frame.
    if not d0 & 0x10 or d0 & 0x07:
        return False
    i = start + 1
    if d0 & 0x80:
        x = data[i]
        i += 1
        if x & 0x80:
            if i >= end:
                return False
            i += 2 if data[i] & 0x80 else 1
        if x & 0x40:
            i += 1
        if x & 0x30:
            i += 1
    if i >= end:
        return False
    # VP8 payload header: P bit (inverse keyframe flag) in bit 0.
    return not data[i] & 0x01


_H264_KEY_NALS = (5, 7)


def is_h264_keyframe_start(data: bytes, start: int, end: int) -> bool:
    """Whether this H.264 packet starts a decodable picture (SPS or IDR, RFC 6184)."""
    if end <= start:
        return False
    nal = data[start] & 0x1F
    if nal in _H264_KEY_NALS:
        return True
    if nal == 24:  # STAP-A
        i = start + 1
        while i + 2 < end:
            size = _U16.unpack_from(data, i)[0]
            if data[i + 2] & 0x1F in _H264_KEY_NALS:
                return True
            i += 2 + size
        return False
    if nal == 28 and end - start >= 2:  # FU-A: start fragment of an IDR
        fu = data[start + 1]
        return bool(fu & 0x80) and (fu & 0x1F) == 5
    return False


def is_keyframe_start(codec: str, data: bytes) -> bool:
    """Keyframe detection by codec name ("VP8" or "H264"); other codecs never gate."""
    try:
        start, end = payload_bounds(data)
    except ValueError:
        return False
    if codec == "VP8":
        return is_vp8_keyframe_start(data, start, end)
    if codec == "H264":
        return is_h264_keyframe_start(data, start, end)
    return True


def wrap_rtx(
    data: bytes, rtx_pt: int, rtx_seq: int, ts: int, rtx_ssrc: int, original_seq: int
) -> bytes:
    """An RFC 4588 retransmission packet: original header fields, OSN, original payload."""
    start, end = payload_bounds(data)
    head = bytearray(data[:start])
    head[0] &= 0xDF  # padding is not carried over
    REWRITE.pack_into(head, 1, (data[1] & 0x80) | rtx_pt, rtx_seq, ts, rtx_ssrc)
    return bytes(head) + _U16.pack(original_seq) + data[start:end]


def unwrap_rtx(data: bytes, pt: int, ssrc: int) -> bytes:
    """The original packet inside an RFC 4588 retransmission packet."""
    start, end = payload_bounds(data)
    if end - start < 2:
        raise ValueError("RTX packet without original sequence number")
    original_seq = _U16.unpack_from(data, start)[0]
    head = bytearray(data[:start])
    head[0] &= 0xDF
    struct.pack_into(">BH", head, 1, (data[1] & 0x80) | pt, original_seq)
    struct.pack_into(">I", head, 8, ssrc)
    return bytes(head) + data[start + 2 : end]
