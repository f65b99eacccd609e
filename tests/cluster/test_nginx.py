"""docs/deploy/nginx.conf in front of the nodes: TLS as configured, and the nodes see the
tablets behind it (for the login limits), believing forwarded addresses from nginx only."""

from __future__ import annotations

import re
import socket
import ssl

import httpx
import pytest

from tests.cluster.conftest import SAMPLE, Cluster
from tests.conftest import PASSWORD


def handshake(port: int, *, version: ssl.TLSVersion | None = None,
              ciphers: str | None = None) -> tuple[str, str]:
    """(protocol, cipher) nginx agrees on with a client offering only these."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if version is not None:
        context.minimum_version = context.maximum_version = version
    if ciphers is not None:
        context.set_ciphers(ciphers)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, \
            context.wrap_socket(raw) as tls:
        cipher = tls.cipher()
        assert cipher is not None
        return str(tls.version()), cipher[0]


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated:DeprecationWarning")
def test_tls_as_the_sample_configures_it(cluster: Cluster) -> None:
    assert handshake(cluster.https_port)[0] == "TLSv1.3"
    offered = re.search(r"ssl_ciphers ([^;]+);", SAMPLE.read_text())
    assert offered is not None
    protocol, cipher = handshake(cluster.https_port, version=ssl.TLSVersion.TLSv1_2)
    assert protocol == "TLSv1.2" and cipher in offered.group(1).split(":")
    with pytest.raises(ssl.SSLError):  # no forward secrecy, no AEAD: refused
        handshake(cluster.https_port, version=ssl.TLSVersion.TLSv1_2,
                  ciphers="AES128-SHA:AES256-GCM-SHA384")
    with pytest.raises(ssl.SSLError):  # TLS 1.1 and older: refused
        handshake(cluster.https_port, version=ssl.TLSVersion.TLSv1_1,
                  ciphers="DEFAULT:@SECLEVEL=0")

    with httpx.Client(verify=False) as http:
        plain = http.get(f"http://127.0.0.1:{cluster.http_port}/meetings/7")
        assert plain.status_code == 301
        assert plain.headers["location"] == "https://127.0.0.1/meetings/7"
        secure = http.get(f"{cluster.url}/healthz")
        assert secure.status_code == 200
        assert secure.headers["strict-transport-security"] == "max-age=63072000"


def tablet(cluster: Cluster, address: str) -> httpx.AsyncClient:
    """A client at `address` (another host on the LAN, as far as nginx can tell)."""
    return httpx.AsyncClient(base_url=cluster.url, transport=httpx.AsyncHTTPTransport(
        local_address=address, verify=False))


async def test_login_limits_see_the_tablet_behind_nginx(cluster: Cluster) -> None:
    seeded = await cluster.seed(delegates=1, status="draft")
    username = seeded.delegates[0].username
    right = {"username": username, "password": PASSWORD}
    wrong = {"username": username, "password": "sai-mat-khau-9"}
    async with tablet(cluster, "127.0.0.3") as guesser, tablet(cluster, "127.0.0.4") as other, \
            httpx.AsyncClient(base_url=cluster.nodes[0].url) as direct:
        # Wrong passwords from one tablet, spread over both nodes by round robin, until
        # each node makes that tablet wait.
        answers: list[int] = []
        while answers[-2:] != [429, 429]:
            answers.append((await guesser.post("/api/login", json=wrong)).status_code)
            assert len(answers) <= 16, answers
        assert set(answers) == {401, 429}

        # A client talking to a node directly is not believed when it claims to be that
        # tablet: only nginx's X-Forwarded-For counts.
        forged = await direct.post("/api/login", json=right,
                                   headers={"X-Forwarded-For": "127.0.0.3"})
        assert forged.status_code == 200, forged.text
        # Nor is the tablet believed when it claims to be another: nginx replaces the header.
        claimed = await guesser.post("/api/login", json=right,
                                     headers={"X-Forwarded-For": "127.0.0.4"})
        assert claimed.status_code == 429, claimed.text
        assert int(claimed.headers["retry-after"]) >= 1
        # Another tablet in the hall, through the same nginx, is not held up.
        assert (await other.post("/api/login", json=right)).status_code == 200
