"""Sign a PDF with pyHanko: PAdES (ETSI.CAdES.detached) in an incremental update."""

from __future__ import annotations

import asyncio
import datetime as dt
from io import BytesIO
from typing import Any

import pymupdf
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner
from pyhanko.sign.signers.pdf_signer import PdfSigningSession
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
from pyhanko.stamp import BaseStampStyle

from ecabinet.signing.keystore import KeyStoreError, SignerSpec, open_signer
from ecabinet.signing.placement import SignatureBox
from ecabinet.signing.stamp import SignatureAppearance, appearance_lines, stamp_style

# Vietnam keeps UTC+7 all year (no daylight saving), so a fixed offset is exact.
VIETNAM_TIME = dt.timezone(dt.timedelta(hours=7), "ICT")
DIGEST = "sha256"


class PdfSigningError(ValueError):
    """The document could not be signed; the message says why in plain words."""


class _TimedPdfSigner(PdfSigner):
    """A PdfSigner whose signing time is fixed up front, so the stamp shows the same time."""

    def __init__(self, *args: Any, signing_time: dt.datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._signing_time = signing_time

    def init_signing_session(
        self, pdf_out: Any, existing_fields_only: bool = False
    ) -> PdfSigningSession:
        """pyHanko's session with our signing time (the /M entry and the stamp agree)."""
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._signing_time
        return session


def sign_pdf(
    pdf: bytes,
    signer: SignerSpec,
    *,
    field_name: str,
    box: SignatureBox | tuple[int, tuple[float, float, float, float]] | None = None,
    reason: str | None = None,
    location: str | None = None,
    timestamp_url: str | None = None,
    appearance: SignatureAppearance | None = None,
    timezone: dt.tzinfo = VIETNAM_TIME,
    timestamp_timeout: float = 10.0,
) -> bytes:
    """Blocking form of `sign_pdf_async`; call it from a worker thread in async code."""
    return asyncio.run(
        sign_pdf_async(
            pdf,
            signer,
            field_name=field_name,
            box=box,
            reason=reason,
            location=location,
            timestamp_url=timestamp_url,
            appearance=appearance,
            timezone=timezone,
            timestamp_timeout=timestamp_timeout,
        )
    )


async def sign_pdf_async(
    pdf: bytes,
    signer: SignerSpec,
    *,
    field_name: str,
    box: SignatureBox | tuple[int, tuple[float, float, float, float]] | None = None,
    reason: str | None = None,
    location: str | None = None,
    timestamp_url: str | None = None,
    appearance: SignatureAppearance | None = None,
    timezone: dt.tzinfo = VIETNAM_TIME,
    timestamp_timeout: float = 10.0,
) -> bytes:
    """Append a PAdES signature in field `field_name` and return the whole signed PDF.

    Earlier signatures stay valid: the new one is an incremental update. With `box`
    the signature is visible there (signer, unit, ISO 8601 time, seal); without it,
    invisible. `timestamp_url` names an RFC 3161 server whose token is embedded.
    """
    if not field_name or "." in field_name:
        raise PdfSigningError("a signature field name is required and may not contain '.'")
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
    except (PdfError, ValueError, KeyError) as exc:
        raise PdfSigningError(f"not a readable PDF: {exc}") from exc
    if writer.prev.encrypted:
        raise PdfSigningError("encrypted PDFs are not signed")

    field_spec = SigFieldSpec(sig_field_name=field_name)
    page_box: tuple[float, float, float, float] | None = None
    if box is not None:
        placement = SignatureBox(*box)
        page_box = _pdf_user_space(pdf, placement)
        field_spec = SigFieldSpec(
            sig_field_name=field_name,
            on_page=placement.page,
            box=page_box,  # type: ignore[arg-type]  # pyHanko accepts float coordinates
        )

    signing_time = dt.datetime.now(timezone).replace(microsecond=0)
    timestamper = (
        HTTPTimeStamper(timestamp_url, timeout=timestamp_timeout) if timestamp_url else None
    )
    metadata = PdfSignatureMetadata(
        field_name=field_name,
        reason=reason,
        location=location,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm=DIGEST,
    )
    try:
        async with open_signer(signer) as pyhanko_signer:
            style: BaseStampStyle | None = None
            text_params: dict[str, str] | None = None
            if page_box is not None:
                style, text_params = _stamp(
                    pyhanko_signer.signing_cert,
                    appearance or SignatureAppearance(),
                    signing_time,
                    page_box,
                )
            pdf_signer = _TimedPdfSigner(
                metadata,
                pyhanko_signer,
                timestamper=timestamper,
                stamp_style=style,
                new_field_spec=field_spec,
                signing_time=signing_time,
            )
            output = await pdf_signer.async_sign_pdf(writer, appearance_text_params=text_params)
    except KeyStoreError as exc:
        raise PdfSigningError(str(exc)) from exc
    except TimestampRequestError as exc:
        raise PdfSigningError(f"timestamp server {timestamp_url} did not answer: {exc}") from exc
    except SigningError as exc:
        raise PdfSigningError(f"signing failed: {exc}") from exc
    return bytes(output.getbuffer())


def _pdf_user_space(pdf: bytes, box: SignatureBox) -> tuple[float, float, float, float]:
    """Convert a top-left-origin rect on `box.page` to the page's PDF user space."""
    with pymupdf.open("pdf", pdf) as document:
        if not 0 <= box.page < document.page_count:
            raise PdfSigningError(
                f"signature page {box.page} is outside the document's {document.page_count} pages"
            )
        page = document[box.page]
        rect = pymupdf.Rect(box.rect)
        if rect.is_empty or not rect.intersects(page.rect):
            raise PdfSigningError("the signature box is empty or off the page")
        user = rect * ~page.transformation_matrix
    user.normalize()
    return (user.x0, user.y0, user.x1, user.y1)


def _stamp(
    certificate: asn1_x509.Certificate | None,
    appearance: SignatureAppearance,
    signing_time: dt.datetime,
    page_box: tuple[float, float, float, float],
) -> tuple[BaseStampStyle, dict[str, str]]:
    """Stamp style and text for the visible signature."""
    subject = certificate.subject.native if certificate is not None else {}
    name = appearance.signer_name or str(subject.get("common_name", ""))
    unit = appearance.unit if appearance.unit is not None else _organization(subject)
    lines = appearance_lines(name, unit, signing_time.isoformat())
    x0, y0, x1, y1 = page_box
    return stamp_style(
        lines,
        width=x1 - x0,
        height=y1 - y0,
        seal_png=appearance.seal_png,
        font_path=appearance.font_path,
    )


def _organization(subject: dict[str, Any]) -> str:
    value = subject.get("organization_name", "")
    if isinstance(value, list):
        return ", ".join(str(part) for part in value)
    return str(value)
