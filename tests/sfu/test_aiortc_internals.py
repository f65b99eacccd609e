"""Pins for every private aiortc / aioice / pylibsrtp name the SFU relies on.

The forwarding path reaches below aiortc's public API (realtime/sfu/wire.py,
peer.py). If an upgrade renames or changes one of these, the test named after
it fails here, before anything subtler breaks.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiortc
import pylibsrtp
import pytest
from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.rtp import RtcpPsfbPacket
from pylibsrtp import Policy, Session
from pylibsrtp._binding import ffi, lib

from realtime.sfu.forwarding import pli_packet
from realtime.sfu.peer import IdleTrack
from realtime.sfu.wire import attach_wire, max_packet_size, wait_connected


@dataclass
class Pair:
    sender_pc: RTCPeerConnection
    receiver_pc: RTCPeerConnection
    sending: RTCRtpTransceiver
    receiving: RTCRtpTransceiver


def _pc() -> RTCPeerConnection:
    return RTCPeerConnection(
        RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
    )


@pytest.fixture
async def pair() -> AsyncIterator[Pair]:
    a, b = _pc(), _pc()
    sending = a.addTransceiver(IdleTrack("video"), direction="sendonly")
    sending.sender._stream_id = "hall"
    a.addTransceiver("audio", direction="sendonly")
    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(a.localDescription)
    await b.setLocalDescription(await b.createAnswer())
    await a.setRemoteDescription(b.localDescription)
    await asyncio.gather(wait_connected(a, 15), wait_connected(b, 15))
    yield Pair(a, b, sending, b.getTransceivers()[0])
    await asyncio.gather(a.close(), b.close())


def test_aiortc_is_the_pinned_version() -> None:
    assert aiortc.__version__ == "1.16.0"


async def test_dtls_transport_tx_srtp_and_rx_srtp_are_sessions(pair: Pair) -> None:
    dtls = pair.sending.receiver.transport
    assert isinstance(dtls._tx_srtp, Session)
    assert isinstance(dtls._rx_srtp, Session)


async def test_max_bundle_shares_one_dtls_transport(pair: Pair) -> None:
    transports = {t.receiver.transport for t in pair.sender_pc.getTransceivers()}
    transports |= {t.sender.transport for t in pair.sender_pc.getTransceivers()}
    assert len(transports) == 1


async def test_ice_transport_connection_nominated_pair(pair: Pair) -> None:
    connection = pair.sending.receiver.transport.transport._connection
    candidate_pair = connection._nominated[1]
    assert callable(candidate_pair.protocol.transport.sendto)
    host, port = candidate_pair.remote_addr
    assert isinstance(host, str) and isinstance(port, int)
    assert candidate_pair.protocol in connection._protocols


async def test_stun_protocol_datagram_received_instance_override_is_called(pair: Pair) -> None:
    connection = pair.receiving.receiver.transport.transport._connection
    seen: list[bytes] = []
    protocol: Any
    for protocol in connection._protocols:
        original = protocol.datagram_received

        def hook(data: bytes, addr: object, original: object = original) -> None:
            seen.append(data)
            original(data, addr)  # type: ignore[operator]

        protocol.datagram_received = hook
    # the sender's aiortc RTCP task sends a sender report at least every 1.5 s
    for _ in range(40):
        if seen:
            break
        await asyncio.sleep(0.1)
    assert seen


async def test_pylibsrtp_session_srtp_cdata_buffer_protect_in_place() -> None:
    key = os.urandom(30)
    profile = Policy.SRTP_PROFILE_AES128_CM_SHA1_80
    tx = Session(Policy(key=key, ssrc_type=Policy.SSRC_ANY_OUTBOUND, srtp_profile=profile))
    rx = Session(Policy(key=key, ssrc_type=Policy.SSRC_ANY_INBOUND, srtp_profile=profile))
    packet = bytes.fromhex("80600001000000640000abcd") + b"payload"
    assert len(tx._buffer) == 1500 and max_packet_size() < 1500
    tx._buffer[0 : len(packet)] = packet
    length = ffi.new("int *")
    length[0] = len(packet)
    assert lib.srtp_protect(tx._srtp[0], tx._cdata, length) == 0
    protected = tx._buffer[0 : length[0]]
    assert rx.unprotect(protected) == packet
    # and unprotect in place, the other way round
    tx2 = Session(Policy(key=key, ssrc_type=Policy.SSRC_ANY_OUTBOUND, srtp_profile=profile))
    rx2 = Session(Policy(key=key, ssrc_type=Policy.SSRC_ANY_INBOUND, srtp_profile=profile))
    protected = tx2.protect(packet)
    rx2._buffer[0 : len(protected)] = protected
    length[0] = len(protected)
    assert lib.srtp_unprotect(rx2._srtp[0], rx2._cdata, length) == 0
    assert rx2._buffer[0 : length[0]] == packet
    assert issubclass(pylibsrtp.Error, Exception)


async def test_sender_ssrc_and_rtx_ssrc_are_announced(pair: Pair) -> None:
    sdp = pair.sender_pc.localDescription.sdp
    assert f"a=ssrc:{pair.sending.sender._ssrc} " in sdp
    assert f"a=ssrc:{pair.sending.sender._rtx_ssrc} " in sdp
    assert f"FID {pair.sending.sender._ssrc} {pair.sending.sender._rtx_ssrc}" in sdp


async def test_sender_stream_id_becomes_the_msid_stream(pair: Pair) -> None:
    assert "a=msid:hall " in pair.sender_pc.localDescription.sdp


async def test_sender_handle_rtcp_packet_instance_override_receives_feedback(pair: Pair) -> None:
    sender: Any = pair.sending.sender
    got: list[object] = []

    async def handle(packet: object) -> None:
        got.append(packet)

    sender._handle_rtcp_packet = handle
    # a PLI from the receiving side, as a browser would send it
    receiver_dtls = pair.receiving.receiver.transport
    await receiver_dtls._send_rtp(pli_packet(1, sender._ssrc))
    for _ in range(40):
        if got:
            break
        await asyncio.sleep(0.05)
    assert any(isinstance(p, RtcpPsfbPacket) and p.fmt == 1 for p in got)


async def test_sender_report_fields_feed_aiortc_sender_reports(pair: Pair) -> None:
    sender: Any = pair.sending.sender
    for name in ("ntp_timestamp", "rtp_timestamp", "packet_count", "octet_count"):
        assert hasattr(sender, f"_RTCRtpSender__{name}")
    sender._RTCRtpSender__packet_count = 4242
    sender._RTCRtpSender__octet_count = 99999
    remote: list[int] = []
    for _ in range(40):
        stats = await pair.receiving.receiver.getStats()
        remote = [s.packetsSent for s in stats.values() if s.type == "remote-outbound-rtp"]
        if remote and remote[-1] == 4242:
            break
        await asyncio.sleep(0.1)
    assert remote and remote[-1] == 4242


async def test_attach_wire_intercepts_rtp_and_leaves_rtcp_to_aiortc(pair: Pair) -> None:
    got: list[bytes] = []
    wire = attach_wire(pair.receiver_pc, lambda data: got.append)
    sender_wire = attach_wire(pair.sender_pc, lambda data: None)
    packet = bytes.fromhex("80610005000000640000abcd") + b"hello"
    sender_wire.send_rtp(packet)
    for _ in range(40):
        if got:
            break
        await asyncio.sleep(0.05)
    assert got == [packet]
    assert wire.received_packets == 1
    connection = pair.receiving.receiver.transport.transport._connection
    sock = connection._nominated[1].protocol.transport.get_extra_info("socket")
    # asked for 2 MB; Linux reports twice what it grants, capped by rmem_max
    assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) > 212992
    wire.close()
    sender_wire.close()


def test_rtcrtpsender_get_capabilities_lists_vp8_h264_opus_rtx() -> None:
    video = {c.name for c in RTCRtpSender.getCapabilities("video").codecs}
    audio = {c.name for c in RTCRtpSender.getCapabilities("audio").codecs}
    assert {"VP8", "H264", "rtx"} <= video and "opus" in audio


async def test_set_codec_preferences_before_remote_offer_restricts_the_answer() -> None:
    offerer, answerer = _pc(), _pc()
    offerer.addTransceiver("video", direction="recvonly")
    await offerer.setLocalDescription(await offerer.createOffer())
    transceiver = answerer.addTransceiver(IdleTrack("video"), direction="sendonly")
    h264 = [c for c in RTCRtpSender.getCapabilities("video").codecs if c.name == "H264"]
    transceiver.setCodecPreferences(h264)
    await answerer.setRemoteDescription(
        RTCSessionDescription(sdp=offerer.localDescription.sdp, type="offer")
    )
    await answerer.setLocalDescription(await answerer.createAnswer())
    sdp = answerer.localDescription.sdp
    assert "H264/90000" in sdp and "VP8/90000" not in sdp
    # the pre-created transceiver was matched to the offer's m-line
    assert answerer.getTransceivers() == [transceiver]
    await asyncio.gather(offerer.close(), answerer.close())


def test_the_forwarding_path_also_runs_on_uvloop() -> None:
    """uvicorn picks uvloop when installed: its datagram transports must honour the hook."""
    import uvloop

    from realtime.sfu import SfuService

    from .peers import ColorTrack, complete, make_client, next_frame_size

    async def scenario() -> tuple[int, int]:
        sfu = SfuService()
        await sfu.open_room(1)
        hall, offer = await make_client("hall", video=ColorTrack(96, 64))
        viewer, viewer_offer = await make_client("viewer")
        try:
            await complete(hall, await sfu.join(1, "hall", "hall", offer))
            await complete(viewer, await sfu.join(1, "v", "viewer", viewer_offer))
            return await next_frame_size(viewer.track("hall"))
        finally:
            await asyncio.gather(hall.pc.close(), viewer.pc.close())
            await sfu.close()

    assert uvloop.run(scenario()) == (96, 64)
