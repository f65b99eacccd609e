"""Bench: a provincial hall publishing to commune rooms through two district SFU nodes.

The hall is one publisher (a real aiortc peer sending a pre-encoded VP8 clip as RTP, each
packet stamped with its index and CLOCK_MONOTONIC send time at the end of its payload);
one provincial SFU (realtime/sfu in its own process, the room open); two district nodes,
each `ecabinet sfu --upstream <province>` in its own process, linking to the province when
their first commune joins; `--rooms` commune rooms (light packet-level peers: aiortc for
ICE/DTLS, then realtime/sfu/wire.py's raw receive path, nothing decoded) split between the
two districts. Everything on loopback with `iceServers=[]` (no STUN, nothing leaves the
machine).

Prints (never asserts), over the measured window:
  * end-to-end latency at the communes (hall sendto → commune receive) p50/p99/max
  * loss per commune (packets the hall sent vs that commune got, however late): min /
    mean / worst
  * CPU seconds per node per second of media (from /proc/<pid>/stat, all threads)
and, as the baseline in the same run, the same hall and communes on one SFU hop (every
commune joined to the provincial node, no cascade), with the ratios cascade / one hop.

Run: .venv/bin/python bench/conference.py [--rooms 100] [--seconds 10] [--rate 100]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import socket
import statistics
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.sfu_forward import (  # noqa: E402
    TOKEN,
    encode_clip,
    percentile,
    sfu_client,
    sfu_process,
)
from bench.vote_round import free_port, now  # noqa: E402

ROOM_ROLE = "remote_room"
STAMP = struct.Struct(">Id")  # packet index, send time: the last 12 bytes of each payload
RTP_HEADER = struct.Struct(">BBHII")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
DRAIN_SECONDS = 30  # the longest the communes wait for packets still on their way


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def hall_process(url: str, clip: list[list[bytes]], rate: int, conn: Connection) -> None:
    """Join the province as the hall; send the clip at `rate` packets/s, stamped, until
    told to stop; then report every packet's send time (index = position in the list)."""

    async def main() -> None:
        from realtime.sfu.wire import attach_wire

        pc, answer = await sfu_client(url, "hall", "hall")
        video = next(m for m in answer.media if m.kind == "video")
        pt = next(c.payloadType for c in video.rtp.codecs if c.name == "VP8")
        ssrc = pc.getTransceivers()[1].sender._ssrc
        wire = attach_wire(pc, lambda data: None)
        conn.send("ready")
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, conn.recv)  # "go"
        packets = [p for frame in clip for p in frame]
        ends = {sum(len(f) for f in clip[: i + 1]) - 1 for i in range(len(clip))}
        step = int(90000 / (rate * len(packets) / len(clip)))  # one frame's ticks
        sent: list[float] = []
        start, ts = now(), 0
        while not conn.poll():
            while len(sent) < (now() - start) * rate:
                n = len(sent)
                at = n % len(packets)
                marker = 0x80 if at in ends else 0
                stamp = now()
                sent.append(stamp)
                wire.send_rtp(RTP_HEADER.pack(0x80, marker | pt, n & 0xFFFF, ts, ssrc)
                              + packets[at] + STAMP.pack(n, stamp))
                if marker:
                    ts = (ts + step) & 0xFFFFFFFF
            await asyncio.sleep(0.002)
        conn.recv()
        conn.send(sent)
        await pc.close()

    asyncio.run(main())


def communes_process(joins: list[tuple[str, str]], conn: Connection) -> None:
    """Join each commune room (node URL, id) and log (index, sent, arrived) of every hall
    video packet it receives, read from the stamp without decoding."""

    async def main() -> None:
        from realtime.sfu.peer import HALL, LAYOUTS
        from realtime.sfu.wire import attach_wire

        slot = LAYOUTS[ROOM_ROLE].index((HALL, "video"))
        logs: dict[str, list[tuple[int, float, float]]] = {}
        clients = await asyncio.gather(*[sfu_client(url, pid, ROOM_ROLE) for url, pid in joins])
        for (_url, pid), (pc, answer) in zip(joins, clients, strict=True):
            media = [m for m in answer.media if m.kind in ("audio", "video")]
            hall_ssrc = media[slot].ssrc[0].ssrc
            log: list[tuple[int, float, float]] = []
            logs[pid] = log

            def got(plain: bytes, log: list[tuple[int, float, float]] = log) -> None:
                index, sent = STAMP.unpack_from(plain, len(plain) - STAMP.size)
                log.append((index, sent, now()))

            def route(data: bytes, ssrc: int = hall_ssrc, got: Any = got) -> Any:
                return got if int.from_bytes(data[8:12], "big") == ssrc else None

            attach_wire(pc, route)
        conn.send("ready")
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # "stop"
        # late packets are late, not lost: wait until nothing has arrived for a second
        for _ in range(DRAIN_SECONDS * 10):
            latest = max((log[-1][2] for log in logs.values() if log), default=0.0)
            if now() - latest > 1.0:
                break
            await asyncio.sleep(0.1)
        conn.send(logs)
        await asyncio.gather(*[pc.close() for pc, _ in clients], return_exceptions=True)

    asyncio.run(main())


def start_district(upstream: str, name: str) -> tuple[subprocess.Popen[bytes], str]:
    """`ecabinet sfu --upstream` on a free port, without STUN/TURN; its /sfu URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "ECABINET_ICE_SERVERS"}
    node = subprocess.Popen(
        [sys.executable, "-m", "ecabinet.cli", "sfu", "--upstream", upstream,
         "--host", "127.0.0.1", "--port", str(port), "--token", TOKEN],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return node, f"http://127.0.0.1:{port}/sfu"
        except OSError:
            if node.poll() is not None:
                raise SystemExit(f"district node {name} exited") from None
            time.sleep(0.1)
    raise SystemExit(f"district node {name} did not start")


@dataclass
class Outcome:
    """What one topology measured."""

    title: str
    latency: list[float] = field(default_factory=list)
    early: list[float] = field(default_factory=list)  # packets sent in the window's 1st fifth
    late: list[float] = field(default_factory=list)  # and in its last fifth
    loss: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # node → CPU s per media s
    published: int = 0
    setup: float = 0.0


def run_topology(cascade: bool, args: argparse.Namespace, clip: list[list[bytes]]) -> Outcome:
    """Start the nodes, the hall and the communes; measure one window; tear down."""
    outcome = Outcome("cascade: province → 2 districts → communes" if cascade
                      else "baseline: one hop, every commune on the provincial node")
    t_setup = time.monotonic()
    ctx = mp.get_context("spawn")
    sfu_parent, sfu_child = ctx.Pipe()
    province = ctx.Process(target=sfu_process, args=("sfu", sfu_child, False), daemon=True)
    province.start()
    province_url = f"http://127.0.0.1:{sfu_parent.recv()}"
    nodes: dict[str, int] = {"province": province.pid or 0}
    districts: list[subprocess.Popen[bytes]] = []
    targets = [province_url]
    if cascade:
        for d in range(2):
            node, url = start_district(f"{province_url}/sfu", f"district-{d + 1}")
            districts.append(node)
            nodes[f"district-{d + 1}"] = node.pid
            targets.append(url.removesuffix("/sfu"))
        targets = targets[1:]
    hall_parent, hall_child = ctx.Pipe()
    hall = ctx.Process(target=hall_process, args=(province_url, clip, args.rate, hall_child),
                       daemon=True)
    hall.start()
    workers: list[tuple[Any, Connection]] = []
    try:
        assert hall_parent.recv() == "ready"
        rooms = [(targets[i % len(targets)], f"commune-{i + 1:03d}") for i in range(args.rooms)]
        for share in (rooms[i :: args.procs] for i in range(args.procs)):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=communes_process, args=(share, child), daemon=True)
            proc.start()
            workers.append((proc, parent))
        for _proc, parent in workers:
            assert parent.recv() == "ready"
        outcome.setup = time.monotonic() - t_setup

        hall_parent.send("go")
        time.sleep(args.warmup)
        cpu0 = {name: cpu_seconds(pid) for name, pid in nodes.items()}
        t0 = now()
        time.sleep(args.seconds)
        cpu1 = {name: cpu_seconds(pid) for name, pid in nodes.items()}
        t1 = now()
        hall_parent.send("stop")
        sent: list[float] = hall_parent.recv()
        logs: dict[str, list[tuple[int, float, float]]] = {}
        for _proc, parent in workers:
            parent.send("stop")
            logs.update(parent.recv())
    finally:
        sfu_parent.send("stop")
        for proc in [hall, province, *(p for p, _ in workers)]:
            proc.join(10)
            if proc.is_alive():
                proc.kill()
        for node in districts:
            node.terminate()
            node.wait(10)

    outcome.cpu = {name: (cpu1[name] - cpu0[name]) / (t1 - t0) for name in nodes}
    window = {n for n, at in enumerate(sent) if t0 <= at < t1}
    outcome.published = len(window)
    for pid, log in sorted(logs.items()):
        got = {index for index, _s, _a in log if index in window}
        outcome.loss[pid] = 1 - len(got) / len(window) if window else float("nan")
        for index, sent_at, arrived in log:
            if index in window:
                outcome.latency.append(arrived - sent_at)
                if sent_at < t0 + (t1 - t0) / 5:
                    outcome.early.append(arrived - sent_at)
                elif sent_at >= t1 - (t1 - t0) / 5:
                    outcome.late.append(arrived - sent_at)
    return outcome


def show(o: Outcome, rooms: int, seconds: float) -> None:
    """Print one topology's figures."""
    losses = list(o.loss.values())
    print(f"\n{o.title}  (set-up {o.setup:.1f} s)")
    print(f"  hall sent {o.published} packets in {seconds:.0f} s; {len(losses)}/{rooms} communes"
          " reporting")
    print(f"  latency hall → commune: p50 {1000 * percentile(o.latency, .5):.2f} ms, "
          f"p99 {1000 * percentile(o.latency, .99):.2f} ms, "
          f"max {1000 * max(o.latency, default=float('nan')):.2f} ms; p50 of packets sent "
          f"in the first fifth {1000 * percentile(o.early, .5):.2f} ms, last fifth "
          f"{1000 * percentile(o.late, .5):.2f} ms")
    if losses:
        worst = max(o.loss, key=lambda k: o.loss[k])
        print(f"  received per commune: min {100 * (1 - max(losses)):.2f}%, mean "
              f"{100 * (1 - statistics.fmean(losses)):.2f}% (loss worst {100 * max(losses):.2f}%"
              f" at {worst}, mean {100 * statistics.fmean(losses):.3f}%)")
    for name, cpu in o.cpu.items():
        print(f"  CPU {name}: {cpu:.3f} s per second of media ({100 * cpu:.0f}% of one core)")
    print(f"  CPU all nodes: {sum(o.cpu.values()):.3f} s per second of media")


def main() -> None:
    """Run the baseline and the cascade; print figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rooms", type=int, default=100, help="commune rooms")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=0.0,
                        help="seconds before measuring (default: one clip loop + 1 s, so "
                             "every commune has had a keyframe)")
    parser.add_argument("--rate", type=int, default=100,
                        help="hall video packets per second (~1.1 Mbit/s at 100)")
    parser.add_argument("--procs", type=int, default=2, help="commune processes")
    parser.add_argument("--frames", type=int, default=60, help="frames in the looped clip")
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()

    clip = encode_clip(640, 360, args.frames)
    per_frame = sum(len(f) for f in clip) / len(clip)
    args.warmup = args.warmup or 1 + per_frame * len(clip) / args.rate
    print(f"hall: {args.frames}-frame VP8 clip 640x360, {per_frame:.1f} packets/frame, "
          f"{args.rate} packets/s; {args.rooms} commune rooms in {args.procs} processes; "
          f"{args.seconds:g} s measured after {args.warmup:g} s warm-up; loopback, no STUN; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    base = None if args.skip_baseline else run_topology(False, args, clip)
    if base is not None:
        show(base, args.rooms, args.seconds)
    cascade = run_topology(True, args, clip)
    show(cascade, args.rooms, args.seconds)
    if base is not None:
        print("\nratio cascade / one hop: latency p50 "
              f"{percentile(cascade.latency, .5) / percentile(base.latency, .5):.2f}×, p99 "
              f"{percentile(cascade.latency, .99) / percentile(base.latency, .99):.2f}×; "
              f"CPU all nodes {sum(cascade.cpu.values()) / sum(base.cpu.values()):.2f}×; "
              f"CPU province {cascade.cpu['province'] / base.cpu['province']:.2f}×")


if __name__ == "__main__":
    main()
