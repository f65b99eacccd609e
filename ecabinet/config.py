"""Settings from ECABINET_* environment variables, read once into a frozen object."""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path


def _env(name: str, default: str) -> str:
    return os.environ.get(f"ECABINET_{name}", default)


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(f"ECABINET_{name}")
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"ECABINET_{name} must be an integer, got {raw!r}") from exc


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(f"ECABINET_{name}")
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"ECABINET_{name} must be a number, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(f"ECABINET_{name}")
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(f"ECABINET_{name}", "").strip().upper() or default
    if value not in choices:
        raise ValueError(f"ECABINET_{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _env_list(name: str) -> tuple[str, ...]:
    raw = os.environ.get(f"ECABINET_{name}", "")
    return tuple(part.strip() for part in raw.split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    """Every tunable of a node; built by `load_settings()` from the environment."""

    data_dir: Path
    database_url: str
    secret_key: str
    # How long a writer waits for SQLite's write lock before the action is refused as busy.
    database_busy_ms: int = 10000
    redis_url: str = ""
    redis_channel: str = "ecabinet"
    host: str = "127.0.0.1"
    port: int = 8000
    secure_cookies: bool = False
    session_max_age: int = 12 * 3600
    login_max_failures: int = 5
    login_lock_seconds: int = 15 * 60
    # Per client address: a hall of tablets behind one Wi-Fi NAT or proxy logs in together.
    login_rate_per_minute: int = 120
    upload_max_bytes: int = 100 * 1024 * 1024
    upload_max_pages: int = 2000
    render_widths: tuple[int, ...] = (480, 1024, 1280)
    thumbnail_width: int = 160
    # A meeting's documents heavier than this wait for the delegate's yes before a tablet
    # keeps them offline (a scanned archive over a hall's shared Wi-Fi).
    briefcase_ask_bytes: int = 40 * 1000 * 1000
    pdf_workers: int = 2
    # The most memory (MB) one PDF worker process may allocate; 0: no limit.
    pdf_worker_memory_mb: int = 1024
    # Word/Excel/OpenDocument drafts converted to PDF by LibreOffice: how long one may
    # take (s), the memory (MB) its processes may map (0: no limit), how many at once.
    convert_timeout_seconds: float = 60.0
    convert_memory_mb: int = 2048
    convert_concurrency: int = 2
    ice_servers: tuple[str, ...] = field(default_factory=tuple)
    # The meetings' video codec: VP8 (every browser), or H264 where hall and room
    # equipment decode it in hardware. Cascaded nodes take the province's.
    video_codec: str = "VP8"
    turn_username: str = ""
    turn_credential: str = ""
    sfu_upstream: str = ""
    sfu_token: str = ""
    sfu_nodes: str = ""
    tsa_url: str = ""
    font_path: str = ""
    trust_roots_dir: str = ""
    default_language: str = "vi"
    ballot_batch_max: int = 500
    # argon2-cffi's default profile (RFC 9106 low-memory: t=3, 64 MiB).
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    # PKCS#11 modules (absolute paths to .so files) an admin may point a signing key at;
    # empty: PKCS#11 tokens are disabled. Loading a module runs its code in the server.
    pkcs11_modules: tuple[str, ...] = ()
    # Networks (besides loopback) that may read /metrics: the Prometheus server's.
    metrics_allow: tuple[str, ...] = ()
    # "text" for a terminal, "json" (one object per line) for a log shipper.
    log_format: str = "text"
    # How often a node looks for webhook deliveries due; their retry delays (30 s ... 8 h,
    # for a day) are multiplied by the scale, which only tests set below 1.
    webhook_poll_seconds: float = 5.0
    webhook_retry_scale: float = 1.0
    # Email: the office's SMTP server ("" : no email is written or sent), who it is from,
    # and the address people open eCabinet at (links in emails, invitations' UIDs).
    smtp_url: str = ""
    mail_from: str = "eCabinet <ecabinet@localhost>"
    public_url: str = ""

    # -- several nodes: what they share and what each keeps for itself --
    # Uploaded originals, named by SHA-256 so any node may write one; "" keeps them under
    # the data directory. Several nodes point it at one shared (NFS) directory.
    documents_path: str = ""
    # Rendered page images; "" keeps them under the data directory. A node's cache is its
    # own: a fast local disk, never the shared one (each node fills and purges it itself).
    cache_path: str = ""

    @property
    def documents_dir(self) -> Path:
        """Where uploaded originals live, named by SHA-256."""
        return Path(self.documents_path) if self.documents_path else self.data_dir / "documents"

    @property
    def cache_dir(self) -> Path:
        """Where rendered page images are cached."""
        return Path(self.cache_path) if self.cache_path else self.data_dir / "cache"

    @property
    def keys_dir(self) -> Path:
        """Where signing key stores (encrypted PKCS#12) live."""
        return self.data_dir / "keys"


def _pkcs11_modules(data_dir: Path) -> tuple[str, ...]:
    modules = _env_list("PKCS11_MODULES")
    for module in modules:
        path = Path(module)
        if not path.is_absolute():
            raise ValueError(f"ECABINET_PKCS11_MODULES must list absolute paths, got {module!r}")
        # Files under the data directory were written by the server (uploads, keys):
        # none of them may ever be loaded as code.
        if path.resolve().is_relative_to(data_dir):
            raise ValueError(f"ECABINET_PKCS11_MODULES: {module!r} is inside the data directory")
    return modules


def _networks(name: str) -> tuple[str, ...]:
    networks = []
    for part in _env_list(name):
        try:
            networks.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError as exc:
            raise ValueError(f"ECABINET_{name} must list CIDRs (10.0.0.0/24), got {part!r}"
                             ) from exc
    return tuple(networks)


def _dir_setting(name: str) -> str:
    # Resolved once here, so a node started from another working directory agrees.
    raw = _env(name, "").strip()
    return str(Path(raw).resolve()) if raw else ""


def load_settings() -> Settings:
    """Read ECABINET_* variables; defaults run a single node on SQLite under ./var."""
    data_dir = Path(_env("DATA_DIR", "var")).resolve()
    default_db = f"sqlite+aiosqlite:///{data_dir / 'ecabinet.sqlite'}"
    secret = _env("SECRET_KEY", "")
    if not secret:
        # A stable secret per data directory, so sessions survive a restart
        # without asking a fresh install to configure one first.
        data_dir.mkdir(parents=True, exist_ok=True)
        secret_file = data_dir / "secret_key"
        if not secret_file.exists():
            secret_file.write_text(secrets.token_urlsafe(48))
            secret_file.chmod(0o600)
        secret = secret_file.read_text().strip()
    widths = _env_list("RENDER_WIDTHS")
    return Settings(
        data_dir=data_dir,
        database_url=_env("DATABASE_URL", default_db),
        secret_key=secret,
        database_busy_ms=_env_int("DATABASE_BUSY_MS", 10000),
        redis_url=_env("REDIS_URL", ""),
        redis_channel=_env("REDIS_CHANNEL", "ecabinet"),
        host=_env("HOST", "127.0.0.1"),
        port=_env_int("PORT", 8000),
        secure_cookies=_env_bool("SECURE_COOKIES", False),
        session_max_age=_env_int("SESSION_MAX_AGE", 12 * 3600),
        login_max_failures=_env_int("LOGIN_MAX_FAILURES", 5),
        login_lock_seconds=_env_int("LOGIN_LOCK_SECONDS", 15 * 60),
        login_rate_per_minute=_env_int("LOGIN_RATE_PER_MINUTE", 120),
        upload_max_bytes=_env_int("UPLOAD_MAX_BYTES", 100 * 1024 * 1024),
        upload_max_pages=_env_int("UPLOAD_MAX_PAGES", 2000),
        render_widths=tuple(int(w) for w in widths) if widths else (480, 1024, 1280),
        thumbnail_width=_env_int("THUMBNAIL_WIDTH", 160),
        briefcase_ask_bytes=_env_int("BRIEFCASE_ASK_MB", 40) * 1000 * 1000,
        pdf_workers=_env_int("PDF_WORKERS", 2),
        pdf_worker_memory_mb=_env_int("PDF_WORKER_MEMORY_MB", 1024),
        convert_timeout_seconds=_env_float("CONVERT_TIMEOUT_SECONDS", 60.0),
        convert_memory_mb=_env_int("CONVERT_MEMORY_MB", 2048),
        convert_concurrency=_env_int("CONVERT_CONCURRENCY", 2),
        ice_servers=_env_list("ICE_SERVERS"),
        video_codec=_env_choice("VIDEO_CODEC", "VP8", ("VP8", "H264")),
        turn_username=_env("TURN_USERNAME", ""),
        turn_credential=_env("TURN_CREDENTIAL", ""),
        sfu_upstream=_env("SFU_UPSTREAM", ""),
        sfu_token=_env("SFU_TOKEN", ""),
        sfu_nodes=_env("SFU_NODES", ""),
        tsa_url=_env("TSA_URL", ""),
        font_path=_env("FONT_PATH", ""),
        trust_roots_dir=_env("TRUST_ROOTS_DIR", ""),
        default_language=_env("LANGUAGE", "vi"),
        ballot_batch_max=_env_int("BALLOT_BATCH_MAX", 500),
        argon2_time_cost=_env_int("ARGON2_TIME_COST", 3),
        argon2_memory_kib=_env_int("ARGON2_MEMORY_KIB", 65536),
        pkcs11_modules=_pkcs11_modules(data_dir),
        # several nodes
        documents_path=_dir_setting("DOCUMENTS_DIR"),
        cache_path=_dir_setting("CACHE_DIR"),
        metrics_allow=_networks("METRICS_ALLOW"),
        log_format=_env_choice("LOG_FORMAT", "TEXT", ("TEXT", "JSON")).lower(),
        webhook_poll_seconds=_env_float("WEBHOOK_POLL_SECONDS", 5.0),
        webhook_retry_scale=_env_float("WEBHOOK_RETRY_SCALE", 1.0),
        smtp_url=_env("SMTP_URL", ""),
        mail_from=_env("MAIL_FROM", "eCabinet <ecabinet@localhost>"),
        public_url=_env("PUBLIC_URL", ""),
    )
