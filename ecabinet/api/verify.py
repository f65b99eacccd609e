"""Verifying any PDF's signatures, and the admin's signing keys and trusted roots."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ecabinet import payload, signatures
from ecabinet.api.context import authed, json_body, ok, settings_of
from ecabinet.api.spec import (
    BOOL,
    COUNT,
    FILE,
    ID,
    INT,
    OK,
    STR,
    TIME,
    arr,
    enum_of,
    named,
    nullable,
    obj,
    operation,
    record,
)
from ecabinet.api.tasks import read_form
from ecabinet.errors import Invalid
from ecabinet.models import Role, SignerKeyKind
from ecabinet.signing.verify import Coverage, Modification, Verdict

SIGNATURE = record(
    field=STR, signer=STR, organization=STR, subject=STR, serial=STR,
    signed_at=nullable(TIME), time_source=enum_of(["timestamp", "claimed", "none"]),
    timestamp_authority=STR, intact=BOOL, modified=BOOL, modification=enum_of(Modification),
    coverage=enum_of(Coverage), trusted=BOOL, trust_anchor=STR, valid_at_signing_time=BOOL,
    certificate_problem=nullable(STR), certificate_not_after=nullable(TIME), revocation=STR,
    error=nullable(STR), valid=BOOL)
REPORT = named("VerificationReport", record(
    sha256=STR, verdict=enum_of(Verdict), revisions=COUNT, modified_after_last_signature=BOOL,
    message=STR, signatures=arr(SIGNATURE),
    issued_here=nullable(record(kind=enum_of(["minutes", "conclusion", "consultation_reply",
                                              "consultation_report"]), number=STR,
                                version=ID, latest=BOOL))))
KEY = named("SigningKey", record(
    id=ID, user_id=ID, kind=enum_of(SignerKeyKind), label=STR, subject_name=STR,
    organization=STR, serial=STR, not_before=TIME, not_after=TIME, demo=BOOL, active=BOOL,
    unattended=BOOL, has_seal=BOOL, token_label=STR, key_label=STR))
ROOT = named("TrustRoot", record(id=ID, name=STR, fingerprint=STR, not_after=TIME,
                                 created_at=TIME))
ROLES = (Role.admin, Role.secretary, Role.chair, Role.delegate, Role.remote_room, Role.observer)


async def _pdf_bytes(request: Request, max_bytes: int) -> bytes:
    """The uploaded PDF: a multipart `file` field, or the raw body (application/pdf)."""
    if request.headers.get("content-type", "").startswith("multipart/"):
        form = await read_form(request, max_bytes)
        return form.upload.data if form.upload else b""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        return b"\0" * (max_bytes + 1)  # refused as too large below, without reading it
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            break
        chunks.append(chunk)
    return b"".join(chunks) if size <= max_bytes else b"\0" * (max_bytes + 1)


@operation("Verify every signature of an uploaded PDF (multipart `file`, or the PDF as body)",
           tag="signing", body=obj(["file"], file=FILE), response=REPORT, errors=[409],
           body_types=["multipart/form-data", "application/pdf"])
async def verify(request: Request) -> Response:
    """Signer, time, changed after signing, trusted root, valid at signing time."""
    settings = settings_of(request)
    async with authed(request) as ctx:
        ctx.require(*ROLES)
        roots = await signatures.trust_root_pems(ctx.db, settings.trust_roots_dir)
    data = await _pdf_bytes(request, signatures.MAX_VERIFY_BYTES)
    report = await signatures.check_pdf(data, roots)
    async with authed(request) as ctx:
        return ok(await signatures.verification_view(ctx.db, ctx.user, data, report))


@operation("My signing key, if one is configured", tag="signing",
           response=record(key=nullable(KEY)))
async def my_key(request: Request) -> Response:
    """Lets the UI say "no key configured" before the user tries to sign."""
    async with authed(request) as ctx:
        key = await signatures.active_key(ctx.db, ctx.user.id)
        return ok({"key": signatures.key_view(key) if key else None})


@operation("Every signing key (admin)", tag="signing", response=arr(KEY))
async def list_keys(request: Request) -> Response:
    """Keys of all signers, active and withdrawn."""
    async with authed(request) as ctx:
        return ok([signatures.key_view(k) for k in await signatures.list_keys(ctx.db, ctx.user)])


def _user_id(fields: dict[str, str]) -> int:
    user_id = payload.query_int(fields.get("user_id"), "user_id")
    if user_id is None:
        raise Invalid("field_required", field="user_id")
    return user_id


@operation("Give a signer an encrypted PKCS#12 key store (admin; multipart: user_id, file, "
           "passphrase, label, passphrase_env, seal)", tag="signing",
           body=obj(["user_id", "file", "passphrase"], user_id=ID, file=FILE, passphrase=STR,
                    label=STR, passphrase_env=STR, seal=FILE), response=KEY, status=201)
async def add_pkcs12(request: Request) -> Response:
    """The passphrase proves the store opens and is not kept."""
    async with authed(request) as ctx:
        ctx.require(Role.admin)
    form = await read_form(request, signatures.MAX_SEAL_BYTES, ("file", "seal"))
    seal = form.files.get("seal")
    if form.upload is None:
        raise Invalid("upload_file_required")
    async with authed(request) as ctx:
        key = await signatures.configure_pkcs12(
            ctx.db, ctx.user, _user_id(form.fields), form.upload.data,
            form.fields.get("passphrase", ""), label=form.fields.get("label", ""),
            passphrase_env=form.fields.get("passphrase_env", ""),
            seal_png=seal.data if seal else None,
        )
        return ok(signatures.key_view(key), 201)


@operation("Point a signer at a key on a PKCS#11 token (admin; the PIN is typed at signing; "
           "`module_path` must be listed in the node's ECABINET_PKCS11_MODULES)",
           tag="signing",
           body=obj(["user_id", "module_path", "token_label", "key_label", "certificate"],
                    user_id=ID, module_path=STR, token_label=STR, key_label=STR,
                    cert_label=nullable(STR), slot=nullable(INT), certificate=STR,
                    label=nullable(STR), passphrase_env=nullable(STR)),
           response=KEY, status=201, errors=[409])
async def add_pkcs11(request: Request) -> Response:
    """`certificate`: the signer's certificate in PEM, optionally followed by its chain."""
    body = await json_body(request)
    settings = settings_of(request)
    async with authed(request) as ctx:
        key = await signatures.configure_pkcs11(
            ctx.db, ctx.user, payload.required_int(body, "user_id"),
            module_path=payload.text(body, "module_path", max_length=500),
            token_label=payload.text(body, "token_label", max_length=200),
            key_label=payload.text(body, "key_label", max_length=200),
            cert_label=payload.text(body, "cert_label", required=False, max_length=200),
            slot=payload.integer(body, "slot", required=False),
            certificate=payload.text(body, "certificate", max_length=60000).encode("ascii",
                                                                                   "replace"),
            label=payload.text(body, "label", required=False, max_length=200),
            passphrase_env=payload.text(body, "passphrase_env", required=False, max_length=100),
            allowed_modules=settings.pkcs11_modules,
        )
        return ok(signatures.key_view(key), 201)


@operation("Withdraw a signing key (admin)", tag="signing", response=KEY)
async def withdraw_key(request: Request) -> Response:
    """Documents it signed stay valid."""
    async with authed(request) as ctx:
        key = await signatures.deactivate_key(ctx.db, ctx.user, request.path_params["key_id"])
        return ok(signatures.key_view(key))


@operation("Trusted root certificates (admin)", tag="signing", response=arr(ROOT))
async def list_roots(request: Request) -> Response:
    """Roots added here; those in ECABINET_TRUST_ROOTS_DIR are trusted as well."""
    async with authed(request) as ctx:
        roots = await signatures.list_trust_roots(ctx.db, ctx.user)
        return ok([signatures.trust_root_view(r) for r in roots])


@operation("Trust a root certificate (admin; multipart `file`, PEM or DER)", tag="signing",
           body=obj(["file"], file=FILE), response=ROOT, status=201, errors=[409])
async def add_root(request: Request) -> Response:
    """Signatures chaining to it verify as trusted."""
    async with authed(request) as ctx:
        ctx.require(Role.admin)
    form = await read_form(request, signatures.MAX_KEYSTORE_BYTES)
    if form.upload is None:
        raise Invalid("upload_file_required")
    async with authed(request) as ctx:
        root = await signatures.add_trust_root(ctx.db, ctx.user, form.upload.data)
        return ok(signatures.trust_root_view(root), 201)


@operation("Stop trusting a root (admin)", tag="signing", response=OK)
async def remove_root(request: Request) -> Response:
    """Removes the certificate from the trusted list."""
    async with authed(request) as ctx:
        await signatures.remove_trust_root(ctx.db, ctx.user, request.path_params["root_id"])
        return ok({"ok": True})


routes = [
    Route("/api/verify", verify, methods=["POST"]),
    Route("/api/signing/my-key", my_key, methods=["GET"]),
    Route("/api/signing/keys", list_keys, methods=["GET"]),
    Route("/api/signing/keys/pkcs12", add_pkcs12, methods=["POST"]),
    Route("/api/signing/keys/pkcs11", add_pkcs11, methods=["POST"]),
    Route("/api/signing/keys/{key_id:int}", withdraw_key, methods=["DELETE"]),
    Route("/api/signing/trust-roots", list_roots, methods=["GET"]),
    Route("/api/signing/trust-roots", add_root, methods=["POST"]),
    Route("/api/signing/trust-roots/{root_id:int}", remove_root, methods=["DELETE"]),
]
