"""Memory per idle connected delegate: a real server process and N socket.io clients.

Starts `ecabinet serve` on a temporary SQLite file, logs one delegate in, then opens N
websocket connections (default 5,000) from worker processes, each joining the meeting's
room, and reads the server's resident memory before and after. Prints KB per connection
(target: ≤ 40 KB) and, as the baseline in the same run, the same
connections to a bare python-socketio server with no application on it.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import socketio

BARE_SERVER = """
import socketio, uvicorn, sys
sio = socketio.AsyncServer(async_mode="asgi")
@sio.on("meeting:join")
async def join(sid, data):
    await sio.enter_room(sid, "meeting:1")
    return {"ok": True}
uvicorn.run(socketio.ASGIApp(sio), host="127.0.0.1", port=int(sys.argv[1]), log_level="error",
            ws="websockets-sansio")
"""


def free_port() -> int:
    """An unused loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kb(pid: int) -> int:
    """Resident memory of a process in KB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def wait_http(url: str, seconds: float = 60) -> None:
    """Wait until the server answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def _raise_fd_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def client_worker(url: str, cookie: str, meeting_id: int, count: int, ready: mp.Queue,
                  stop: mp.Event) -> None:  # type: ignore[type-arg]
    """Open `count` sockets, join the meeting, report, and idle until told to stop."""
    _raise_fd_limit()

    async def run() -> None:
        clients = []
        for _ in range(count):
            client = socketio.AsyncClient(reconnection=False)
            await client.connect(url, headers={"Cookie": cookie}, transports=["websocket"],
                                 wait_timeout=30)
            ack = await client.call("meeting:join", {"meeting_id": meeting_id}, timeout=30)
            assert ack["ok"], ack
            clients.append(client)
        ready.put(len(clients))
        await asyncio.to_thread(stop.wait)
        for client in clients:
            await client.disconnect()

    asyncio.run(run())


def connect_all(url: str, cookie: str, meeting_id: int, total: int, workers: int,
                server_pid: int) -> tuple[int, int, float]:
    """Connect `total` clients; return (rss before, rss after, seconds to connect)."""
    ctx = mp.get_context("spawn")
    ready: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    stop = ctx.Event()
    time.sleep(1.0)
    before = rss_kb(server_pid)
    start = time.monotonic()
    per = [total // workers + (1 if i < total % workers else 0) for i in range(workers)]
    procs = [ctx.Process(target=client_worker, args=(url, cookie, meeting_id, n, ready, stop))
             for n in per]
    for proc in procs:
        proc.start()
    connected = sum(ready.get(timeout=600) for _ in procs)
    elapsed = time.monotonic() - start
    time.sleep(2.0)  # let the server settle (buffers, GC)
    after = rss_kb(server_pid)
    stop.set()
    for proc in procs:
        proc.join(timeout=60)
    assert connected == total
    return before, after, elapsed


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    _raise_fd_limit()
    root = Path(__file__).resolve().parent.parent
    python = sys.executable

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ECABINET_DATA_DIR": tmp, "ECABINET_SECRET_KEY": secrets.token_hex(16),
               "ECABINET_ARGON2_TIME_COST": "2", "ECABINET_ARGON2_MEMORY_KIB": "19456"}
        env.pop("ECABINET_DATABASE_URL", None)
        subprocess.run([python, "-m", "ecabinet.cli", "demo"], env=env, check=True,
                       capture_output=True, cwd=root)
        port = free_port()
        server = subprocess.Popen(
            [python, "-m", "ecabinet.cli", "serve", "--port", str(port), "--no-upgrade"],
            env=env, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=_raise_fd_limit,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_http(url + "/healthz")
            with httpx.Client(base_url=url) as http:
                login = http.post("/api/login", json={"username": "daibieu1",
                                                      "password": "demo12345"})
                login.raise_for_status()
                cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
                meeting_id = http.get("/api/meetings").json()[0]["id"]
            before, after, secs = connect_all(url, cookie, meeting_id, args.connections,
                                              args.workers, server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)

        port = free_port()
        bare = subprocess.Popen([python, "-c", BARE_SERVER, str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                preexec_fn=_raise_fd_limit)
        try:
            wait_http(f"http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling")
            b_before, b_after, b_secs = connect_all(f"http://127.0.0.1:{port}", "", 1,
                                                    args.connections, args.workers, bare.pid)
        finally:
            bare.terminate()
            bare.wait(timeout=30)

    per_conn = (after - before) / args.connections
    bare_per_conn = (b_after - b_before) / args.connections
    print(f"idle delegates connected:        {args.connections}")
    print(f"eCabinet server RSS:              {before / 1024:.1f} MB -> {after / 1024:.1f} MB")
    print(f"eCabinet memory per connection:   {per_conn:.1f} KB   (target <= 40 KB)")
    print(f"bare python-socketio per conn:    {bare_per_conn:.1f} KB")
    print(f"ratio eCabinet / bare:            {per_conn / bare_per_conn:.2f}x")
    print(f"time to connect + join all:       {secs:.1f} s (bare {b_secs:.1f} s)")


if __name__ == "__main__":
    main()
