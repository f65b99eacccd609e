"""The signing PKI of tests/minutes, for letters about documents awaiting a signature."""

from tests.minutes.conftest import _stop_signing_worker, pki  # noqa: F401
