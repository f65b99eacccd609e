"""The SFU's one error type, carrying a machine code for acknowledgements.

The SFU is a package of its own that imports nothing from ecabinet, so it keeps this one
builder of the project's refusal shape for its own HTTP answers between nodes.
"""

from __future__ import annotations


class SfuError(Exception):
    """A refused or failed SFU operation; `code` maps to an ack's error.code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def as_ack(self) -> dict[str, object]:
        """The `{"ok": false, "error": {...}}` acknowledgement for this error."""
        return {"ok": False, "error": {"code": self.code, "message": self.message}}
