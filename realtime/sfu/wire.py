"""The forwarding path's raw access to one peer's ICE, DTLS-SRTP and UDP socket.

aiortc's public API decodes everything it receives and encodes everything it
sends. The SFU instead lets aiortc do ICE, DTLS and key agreement, then takes
over below its public API:

* incoming SRTP packets are intercepted in aioice's `StunProtocol.datagram_received`
  (before aioice queues them for aiortc's DTLS reader task), decrypted once with the
  DTLS transport's receive session and handed to a synchronous callback;
* outgoing packets are encrypted with the DTLS transport's send session, calling
  libsrtp directly on the session's own buffer, and written with the nominated
  candidate pair's datagram transport `sendto`.

No await and no packet object on that path. Every private name used here is
pinned by tests/sfu/test_aiortc_internals.py so an aiortc, aioice or pylibsrtp
upgrade that changes them fails loudly.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from typing import Any, Protocol

import pylibsrtp
from aiortc import RTCPeerConnection
from pylibsrtp._binding import ffi, lib

logger = logging.getLogger(__name__)

# Kernel receive buffer asked for on each ICE socket: the default (~200 KB of
# truesize, under a hundred full-size packets) overflows when the event loop
# is held up for a few tens of milliseconds by a keyframe burst or a busy CPU.
RECEIVE_BUFFER = 2 * 1024 * 1024

# Room libsrtp needs after the packet in its 1500-byte session buffer.
_MAX_TRAILER = 16 + 128
_BUFFER_SIZE = 1500


class DatagramSink(Protocol):
    """What a wire writes to: asyncio's datagram transport or aioice's TURN transport."""

    def sendto(self, data: Any, addr: Any = ..., /) -> None:
        """Send one datagram."""


RtpCallback = Callable[[bytes], None]
# Chooses, from the still-encrypted header, whether a packet is worth
# decrypting: returns the callback for it or None to drop it.
RtpRouter = Callable[[bytes], "RtpCallback | None"]


class Wire:
    """Encrypt-and-send and receive-and-decrypt for one peer, without awaits."""

    def __init__(
        self,
        tx_session: pylibsrtp.Session,
        rx_session: pylibsrtp.Session,
        sink: DatagramSink,
        addr: tuple[str, int],
    ) -> None:
        self._tx_session = tx_session
        self._rx_session = rx_session
        # libsrtp state and the session's own scratch buffer: protecting in
        # place there saves the two copies and the size check that
        # `Session.protect(bytes)` makes per packet.
        self.tx_srtp = tx_session._srtp[0]
        self.tx_cdata = tx_session._cdata
        self.tx_buffer = tx_session._buffer
        self.tx_view = memoryview(tx_session._buffer)
        self.tx_len = ffi.new("int *")
        self._rx_srtp = rx_session._srtp[0]
        self._rx_cdata = rx_session._cdata
        self._rx_buffer = rx_session._buffer
        self._rx_len = ffi.new("int *")
        self.sendto = sink.sendto
        self.addr = addr
        self.closed = False
        self.sent_packets = 0
        self.send_errors = 0
        self.received_packets = 0
        self.receive_errors = 0
        self._unhooks: list[Callable[[], None]] = []

    def unprotect(self, data: bytes) -> bytes | None:
        """Decrypt and authenticate one SRTP packet; None if it fails."""
        n = len(data)
        if n > _BUFFER_SIZE:
            self.receive_errors += 1
            return None
        self._rx_buffer[0:n] = data
        self._rx_len[0] = n
        if lib.srtp_unprotect(self._rx_srtp, self._rx_cdata, self._rx_len):
            self.receive_errors += 1
            return None
        self.received_packets += 1
        return self._rx_buffer[0 : self._rx_len[0]]  # type: ignore[no-any-return]

    def send_rtp(self, packet: bytes) -> None:
        """Encrypt and send one RTP packet (used off the hot loop: NACK answers)."""
        n = len(packet)
        if self.closed or n > _BUFFER_SIZE - _MAX_TRAILER:
            self.send_errors += 1
            return
        self.tx_buffer[0:n] = packet
        self.tx_len[0] = n
        if lib.srtp_protect(self.tx_srtp, self.tx_cdata, self.tx_len):
            self.send_errors += 1
            return
        self.sendto(self.tx_view[: self.tx_len[0]], self.addr)
        self.sent_packets += 1

    def send_rtcp(self, packet: bytes) -> None:
        """Encrypt and send one compound RTCP packet."""
        if self.closed:
            return
        try:
            data = self._tx_session.protect_rtcp(packet)
        except (pylibsrtp.Error, ValueError):
            self.send_errors += 1
            return
        self.sendto(data, self.addr)

    def add_unhook(self, unhook: Callable[[], None]) -> None:
        """Remember how to undo an interception when the wire closes."""
        self._unhooks.append(unhook)

    def close(self) -> None:
        """Stop sending and give received datagrams back to aiortc."""
        self.closed = True
        for unhook in self._unhooks:
            unhook()
        self._unhooks.clear()


def max_packet_size() -> int:
    """Largest plaintext RTP packet the in-place encryption accepts."""
    return _BUFFER_SIZE - _MAX_TRAILER


def _dtls_transport(pc: RTCPeerConnection) -> Any:
    """The one (BUNDLE) DTLS transport of a connected peer connection."""
    for transceiver in pc.getTransceivers():
        return transceiver.receiver.transport
    if pc.sctp is not None:
        return pc.sctp.transport
    raise ValueError("peer connection has no transport")


def attach_wire(pc: RTCPeerConnection, route: RtpRouter) -> Wire:
    """Take over the RTP path of a connected peer connection.

    `route` sees each incoming RTP packet still encrypted (its header is clear
    text) and returns the callback for its decrypted bytes, or None to drop it
    undecrypted. RTCP, DTLS and STUN keep flowing through aiortc.
    """
    dtls = _dtls_transport(pc)
    if dtls._tx_srtp is None or dtls._rx_srtp is None:
        raise ConnectionError("DTLS-SRTP is not established")
    connection = dtls.transport._connection
    pair = connection._nominated.get(1)
    if pair is None:
        raise ConnectionError("ICE has no nominated candidate pair")
    wire = Wire(dtls._tx_srtp, dtls._rx_srtp, pair.protocol.transport, pair.remote_addr)

    for protocol in list(connection._protocols):
        _intercept(protocol, wire, route)
        _enlarge_receive_buffer(protocol.transport)
    return wire


def _enlarge_receive_buffer(transport: Any) -> None:
    """Ask for a bigger kernel receive buffer (capped by net.core.rmem_max)."""
    sock = transport.get_extra_info("socket") if hasattr(transport, "get_extra_info") else None
    if sock is None:
        return
    try:
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) < RECEIVE_BUFFER:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
    except OSError:
        logger.debug("could not enlarge an ICE socket's receive buffer", exc_info=True)


def _intercept(protocol: Any, wire: Wire, route: RtpRouter) -> None:
    """Install the RTP fast path in front of one aioice protocol's receive callback."""
    original = protocol.datagram_received
    unprotect = wire.unprotect

    def datagram_received(data: bytes, addr: tuple[Any, ...]) -> None:
        # SRTP: first byte 128..191; RTCP is told apart by its packet type in
        # byte 1 (RFC 5761) and left to aiortc, as are DTLS and STUN.
        if len(data) > 12 and 127 < data[0] < 192 and not 191 < data[1] < 224:
            callback = route(data)
            if callback is not None:
                plain = unprotect(data)
                if plain is not None:
                    try:
                        callback(plain)
                    except Exception:
                        logger.exception("SFU forwarding callback failed")
            return
        original(data, addr)

    protocol.datagram_received = datagram_received

    def unhook() -> None:
        if protocol.__dict__.get("datagram_received") is datagram_received:
            del protocol.datagram_received

    wire.add_unhook(unhook)


async def wait_connected(pc: RTCPeerConnection, seconds: float) -> None:
    """Wait until a peer connection is connected, or raise ConnectionError."""
    if pc.connectionState == "connected":
        return
    loop = asyncio.get_running_loop()
    done: asyncio.Future[str] = loop.create_future()

    def on_change() -> None:
        state = pc.connectionState
        if state in ("connected", "failed", "closed") and not done.done():
            done.set_result(state)

    pc.on("connectionstatechange", on_change)
    try:
        state = await asyncio.wait_for(done, seconds)
    except TimeoutError as exc:
        raise ConnectionError("peer connection did not connect in time") from exc
    finally:
        pc.remove_listener("connectionstatechange", on_change)
    if state != "connected":
        raise ConnectionError(f"peer connection {state}")
