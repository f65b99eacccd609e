"""The WebRTC selective forwarding unit: RTP forwarded without decode/encode on aiortc."""

from .errors import SfuError
from .signalling import Authorize, SfuService, UpstreamExchange

__all__ = ["Authorize", "SfuError", "SfuService", "UpstreamExchange"]
