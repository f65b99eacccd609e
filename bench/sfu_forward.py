"""SFU forwarding throughput: one publisher, N subscribers, separate processes, loopback only.

Phase 1 runs the eCabinet SFU (realtime/sfu) in its own process; phase 2 runs the
same load through aiortc's stock path (RTCPeerConnection + MediaRelay: decode once,
re-encode per subscriber) as the baseline. In both phases the publisher process
sends the same pre-encoded VP8 clip at `--rate` packets/s and the subscriber
processes count what arrives. Printed per phase:

* RTP packets forwarded per second per core of the SFU process
  (packets sent to subscribers / CPU seconds of that process, from
  time.process_time() inside it, all threads included);
* loss (packets the publisher sent but a subscriber never got);
* added forwarding latency p50/p99: inside the SFU (decrypted packet → its
  last subscriber's sendto) and end to end (publisher sendto → subscriber
  receive callback, CLOCK_MONOTONIC shared by the processes);

and the ratio of the two phases. Never asserts anything.
"""

from __future__ import annotations

import argparse
import asyncio
import fractions
import multiprocessing as mp
import statistics
import struct
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TOKEN = "bench-token"
MEETING = 1


# -- the clip -------------------------------------------------------------------


def encode_clip(width: int, height: int, frames: int) -> list[list[bytes]]:
    """VP8 RTP payloads per frame of a moving test pattern; frame 0 is a keyframe."""
    import av
    import numpy as np
    from aiortc.codecs.vpx import Vp8Encoder

    encoder = Vp8Encoder()
    encoder.target_bitrate = 1_500_000
    ys, xs = np.mgrid[0:height, 0:width]
    clip = []
    for i in range(frames):
        rgb = np.zeros((height, width, 3), dtype=np.uint8)
        rgb[..., 0] = (xs + 4 * i) % 256
        rgb[..., 1] = (ys + 2 * i) % 256
        rgb[..., 2] = ((xs // 32 + ys // 32 + i // 4) % 2) * 255
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
        frame.pts = i * 3000
        frame.time_base = fractions.Fraction(1, 90000)
        payloads, _ = encoder.encode(frame, force_keyframe=(i == 0))
        clip.append(payloads)
    return clip


# -- clients (publisher and subscribers) ----------------------------------------


async def sfu_client(url: str, pid: str, role: str) -> tuple[Any, Any]:
    """An aiortc client laid out for `role`, joined through the SFU's HTTP join route."""
    import aiohttp
    from aiortc import (
        RTCBundlePolicy,
        RTCConfiguration,
        RTCPeerConnection,
        RTCSessionDescription,
        sdp,
    )

    from realtime.sfu.peer import LAYOUTS, UPLINK, IdleTrack
    from realtime.sfu.wire import wait_connected

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
    for slot, kind in LAYOUTS[role]:
        if slot == UPLINK:
            pc.addTransceiver(IdleTrack(kind), direction="sendonly")
        else:
            pc.addTransceiver(kind, direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    body = {"participant_id": pid, "role": role, "offer": pc.localDescription.sdp, "token": TOKEN}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{url}/sfu/join/{MEETING}", json=body) as response,
    ):
        data = await response.json()
    if not data.get("ok"):
        raise RuntimeError(f"join refused: {data}")
    await pc.setRemoteDescription(RTCSessionDescription(sdp=data["answer"], type="answer"))
    await wait_connected(pc, 30)
    return pc, sdp.SessionDescription.parse(data["answer"])


def publisher_process(url: str, clip: list[list[bytes]], rate: int, conn: Connection) -> None:
    """Join as the hall and send the clip at `rate` packets/s until told to stop."""

    async def main() -> None:
        from realtime.sfu.wire import attach_wire

        pc, answer = await sfu_client(url, "hall", "hall")
        video = next(m for m in answer.media if m.kind == "video")
        pt = next(c.payloadType for c in video.rtp.codecs if c.name == "VP8")
        ssrc = pc.getTransceivers()[1].sender._ssrc
        wire = attach_wire(pc, lambda data: None)
        conn.send("ready")
        loop = asyncio.get_running_loop()
        while await loop.run_in_executor(None, conn.recv) != "go":
            pass
        packets_per_frame = sum(len(f) for f in clip) / len(clip)
        frame_step = int(90000 * packets_per_frame / rate)
        sent: list[float] = []
        seq = ts = frame = 0
        start = time.monotonic()
        header = struct.Struct(">BBHII")
        while True:
            if conn.poll() and conn.recv() == "stop":
                break
            due = (time.monotonic() - start) * rate
            while len(sent) < due:
                payloads = clip[frame % len(clip)]
                for i, payload in enumerate(payloads):
                    marker = 0x80 if i == len(payloads) - 1 else 0
                    sent.append(time.monotonic())
                    wire.send_rtp(header.pack(0x80, marker | pt, seq & 0xFFFF, ts, ssrc) + payload)
                    seq += 1
                frame += 1
                ts = (ts + frame_step) & 0xFFFFFFFF
            await asyncio.sleep(0.004)
        conn.send(sent)
        await pc.close()

    asyncio.run(main())


def subscribers_process(url: str, pids: list[str], conn: Connection) -> None:
    """Join N viewers; record (seq, arrival) of every hall video packet, undecrypted."""

    async def main() -> None:
        from realtime.sfu.wire import attach_wire

        logs: dict[int, list[tuple[int, float]]] = {}
        clients = []
        for pid in pids:
            clients.append(await sfu_client(url, pid, "viewer"))
        wires = []
        for pc, answer in clients:
            media = [m for m in answer.media if m.kind in ("audio", "video")]
            ssrc = media[1].ssrc[0].ssrc  # the hall video slot
            log: list[tuple[int, float]] = []
            logs[ssrc] = log
            now = time.monotonic

            def route(
                data: bytes,
                ssrc: int = ssrc,
                log: list[tuple[int, float]] = log,
                now: Any = now,
            ) -> None:
                if int.from_bytes(data[8:12], "big") == ssrc:
                    log.append((int.from_bytes(data[2:4], "big"), now()))

            wires.append(attach_wire(pc, route))
        conn.send("ready")
        loop = asyncio.get_running_loop()
        while await loop.run_in_executor(None, conn.recv) != "stop":
            pass
        conn.send(logs)
        for pc, _ in clients:
            await pc.close()

    asyncio.run(main())


# -- the two SFUs ------------------------------------------------------------------


class Measured:
    """Counters the SFU process reports to the parent."""

    def __init__(self) -> None:
        self.residence: list[float] = []
        self.recording = False


def _sfu_app(measured: Measured) -> tuple[Any, Any, Any]:
    """Phase 1: the eCabinet SFU behind its /sfu routes."""
    from starlette.applications import Starlette

    from realtime.sfu import SfuService
    from realtime.sfu.cascade import cascade_app

    service = SfuService()
    app = Starlette()
    app.mount("/sfu", cascade_app(service, TOKEN))
    timed: set[int] = set()

    def instrument() -> None:
        room = service.rooms.get(MEETING)
        hall = room.peers.get("hall") if room else None
        if hall is None or not hall.ready or id(hall) in timed:
            return
        timed.add(id(hall))
        clock = time.perf_counter
        for ssrc, callback in list(hall._by_ssrc.items()):

            def run(data: bytes, callback: Any = callback) -> None:
                if not measured.recording:
                    callback(data)
                    return
                t = clock()
                callback(data)
                measured.residence.append(clock() - t)

            hall._by_ssrc[ssrc] = run

    def forwarded() -> tuple[int, int | None]:
        instrument()
        room = service.rooms.get(MEETING)
        if room is None:
            return 0, 0
        hall = room.peers.get("hall")
        stream = hall.inbound.get(("uplink", "video")) if hall is not None else None
        sent = sum(
            track.counters()[0] for peer in room.peers.values() for track in peer.outbound.values()
        )
        return sent, stream.packets if stream is not None else 0

    async def offsets() -> dict[int, int]:
        room = service.rooms[MEETING]
        return {
            track.ssrc: track.seq_off
            for peer in room.peers.values()
            for (slot, kind), track in peer.outbound.items()
            if (slot, kind) == ("hall", "video")
        }

    async def start() -> None:
        await service.open_room(MEETING)

    app.state.start = start
    return app, forwarded, offsets


def _stock_app(measured: Measured) -> tuple[Any, Any, Any]:
    """Phase 2: aiortc's stock path, MediaRelay from the hall to every viewer."""
    from aiortc import (
        RTCBundlePolicy,
        RTCConfiguration,
        RTCPeerConnection,
        RTCSessionDescription,
    )
    from aiortc.contrib.media import MediaRelay
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    relay = MediaRelay()
    hall_video: asyncio.Future[Any] = asyncio.get_event_loop().create_future()
    senders: list[Any] = []
    pcs: list[Any] = []
    counted = {"packets": 0}

    async def join(request: Request) -> JSONResponse:
        data = await request.json()
        pc = RTCPeerConnection(
            RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
        )
        pcs.append(pc)
        if data["role"] == "hall":

            @pc.on("track")
            def on_track(track: Any) -> None:
                if track.kind == "video" and not hall_video.done():
                    hall_video.set_result(track)

            await pc.setRemoteDescription(RTCSessionDescription(sdp=data["offer"], type="offer"))
        else:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=data["offer"], type="offer"))
            transceiver = pc.getTransceivers()[1]  # the hall video slot
            transceiver.direction = "sendonly"
            transceiver.sender.replaceTrack(relay.subscribe(await hall_video, buffered=False))
            senders.append(transceiver.sender)
        await pc.setLocalDescription(await pc.createAnswer())
        return JSONResponse({"ok": True, "answer": pc.localDescription.sdp})

    app = Starlette(routes=[Route("/sfu/join/{meeting_id:int}", join, methods=["POST"])])

    async def refresh() -> None:
        total = 0
        for sender in senders:
            for stats in (await sender.getStats()).values():
                if stats.type == "outbound-rtp":
                    total += stats.packetsSent
        counted["packets"] = total

    def forwarded() -> tuple[int, int | None]:
        return counted["packets"], None

    async def offsets() -> dict[int, int]:
        return {}

    async def start() -> None:
        return None

    app.state.start = start
    app.state.refresh = refresh
    return app, forwarded, offsets


def sfu_process(phase: str, conn: Connection, use_uvloop: bool) -> None:
    """Run one SFU with uvicorn on an ephemeral port and answer the parent's commands."""
    import uvicorn

    async def main() -> None:
        measured = Measured()
        app, forwarded, offsets = (_sfu_app if phase == "sfu" else _stock_app)(measured)
        await app.state.start()
        server = uvicorn.Server(
            uvicorn.Config(
                app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", loop="none"
            )
        )
        task = asyncio.ensure_future(server.serve())
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        conn.send(server.servers[0].sockets[0].getsockname()[1])
        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command == "mark":
                refresh = getattr(app.state, "refresh", None)
                if refresh is not None:
                    await refresh()
                measured.recording = not measured.recording
                conn.send((time.process_time(), time.monotonic(), forwarded()))
            elif command == "report":
                conn.send({"offsets": await offsets(), "residence": measured.residence})
            elif command == "stop":
                break
        server.should_exit = True
        await task

    if use_uvloop:
        import uvloop

        uvloop.run(main())
    else:
        asyncio.run(main())


# -- one phase -------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of values, nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_phase(phase: str, args: argparse.Namespace, clip: list[list[bytes]]) -> dict[str, Any]:
    """Start the SFU, subscribers and publisher processes; measure; tear down."""
    ctx = mp.get_context("spawn")
    sfu_parent, sfu_child = ctx.Pipe()
    sfu = ctx.Process(target=sfu_process, args=(phase, sfu_child, args.uvloop), daemon=True)
    sfu.start()
    port = sfu_parent.recv()
    url = f"http://127.0.0.1:{port}"

    pids = [f"viewer-{i}" for i in range(args.subscribers)]
    groups = [pids[i :: args.subscriber_processes] for i in range(args.subscriber_processes)]
    pub_parent, pub_child = ctx.Pipe()
    publisher = ctx.Process(target=publisher_process, args=(url, clip, args.rate, pub_child))
    publisher.start()
    assert pub_parent.recv() == "ready"
    subs = []
    for group in groups:
        parent, child = ctx.Pipe()
        process = ctx.Process(target=subscribers_process, args=(url, group, child))
        process.start()
        subs.append((process, parent))
    for _process, parent in subs:
        assert parent.recv() == "ready"

    pub_parent.send("go")
    time.sleep(args.warmup)
    sfu_parent.send("mark")
    cpu0, wall0, (fwd0, in0) = sfu_parent.recv()
    window_start = time.monotonic()
    time.sleep(args.seconds)
    sfu_parent.send("mark")
    cpu1, wall1, (fwd1, in1) = sfu_parent.recv()
    window_end = time.monotonic()
    pub_parent.send("stop")
    sent_times: list[float] = pub_parent.recv()
    time.sleep(0.5)
    logs: dict[int, list[tuple[int, float]]] = {}
    for _process, parent in subs:
        parent.send("stop")
        logs.update(parent.recv())
    sfu_parent.send("report")
    report = sfu_parent.recv()
    sfu_parent.send("stop")
    for process in [publisher, sfu, *(p for p, _ in subs)]:
        process.join(10)
        if process.is_alive():
            process.terminate()

    cpu = cpu1 - cpu0
    forwarded = fwd1 - fwd0
    result: dict[str, Any] = {
        "forwarded": forwarded,
        "cpu": cpu,
        "wall": wall1 - wall0,
        "per_core": forwarded / cpu if cpu > 0 else float("nan"),
        "per_second": forwarded / (wall1 - wall0),
        "published": sum(1 for t in sent_times if window_start <= t < window_end),
        "sfu_received": in1 - in0 if in0 is not None and in1 is not None else None,
    }
    # loss over the measurement window
    expected = received = 0
    latencies: list[float] = []
    offsets: dict[int, int] = report["offsets"]
    sent_seqs = {seq for seq, t in enumerate(sent_times) if window_start <= t < window_end}
    for ssrc, log in logs.items():
        if phase == "sfu" and ssrc in offsets:
            got = set()
            for seq, arrived in log:
                pub_seq = (seq - offsets[ssrc]) & 0xFFFF
                if pub_seq in sent_seqs:
                    got.add(pub_seq)
                    latencies.append(arrived - sent_times[pub_seq])
            expected += len(sent_seqs)
            received += len(got)
        else:
            window = [seq for seq, t in log if window_start <= t < window_end]
            if window:
                span = (window[-1] - window[0]) % 65536 + 1
                expected += span
                received += len(set(window))
    result["loss"] = 1 - received / expected if expected else float("nan")
    result["received"] = received
    result["latency"] = latencies
    result["residence"] = report["residence"]
    return result


def main() -> None:
    """Parse arguments, run both phases, print figures and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=50)
    parser.add_argument("--subscriber-processes", type=int, default=2)
    parser.add_argument("--rate", type=int, default=1000, help="publisher packets per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--frames", type=int, default=60, help="frames in the looped clip")
    parser.add_argument(
        "--loop", choices=("asyncio", "uvloop"), default="uvloop", help="event loop of the SFU"
    )
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    args.uvloop = args.loop == "uvloop"

    clip = encode_clip(args.width, args.height, args.frames)
    packets = sum(len(f) for f in clip)
    print(
        f"clip: {args.frames} VP8 frames {args.width}x{args.height}, {packets / args.frames:.1f}"
        f" packets/frame; publisher {args.rate} packets/s; {args.subscribers} subscribers in"
        f" {args.subscriber_processes} processes; SFU loop {args.loop}; {args.seconds:.0f} s"
        " measured per phase"
    )
    phases = [("sfu", "eCabinet SFU (RTP forwarding)")]
    if not args.skip_baseline:
        phases.append(("stock", "aiortc stock (MediaRelay, re-encode)"))
    results = {}
    for phase, title in phases:
        r = run_phase(phase, args, clip)
        results[phase] = r
        print(f"\n{title}")
        print(
            f"  forwarded {r['forwarded']} packets in {r['wall']:.1f} s = {r['per_second']:,.0f}/s;"
            f" SFU process CPU {r['cpu']:.2f} s ({100 * r['cpu'] / r['wall']:.0f}% of one core)"
        )
        print(f"  packets forwarded per second per core: {r['per_core']:,.0f}")
        print(f"  loss: {100 * r['loss']:.3f}% ({r['received']} received)")
        if r["sfu_received"] is not None and r["published"]:
            into = 1 - r["sfu_received"] / r["published"]
            print(
                f"    of which publisher → SFU: {100 * into:.3f}%"
                f" ({r['sfu_received']} of {r['published']} published in the window)"
            )
        if r["residence"]:
            print(
                "  SFU residence (decrypted → last subscriber sendto):"
                f" p50 {1000 * percentile(r['residence'], 0.5):.3f} ms,"
                f" p99 {1000 * percentile(r['residence'], 0.99):.3f} ms"
            )
        if r["latency"]:
            print(
                "  end to end (publisher sendto → subscriber receive):"
                f" p50 {1000 * percentile(r['latency'], 0.5):.3f} ms,"
                f" p99 {1000 * percentile(r['latency'], 0.99):.3f} ms,"
                f" mean {1000 * statistics.fmean(r['latency']):.3f} ms"
            )
        else:
            print("  latency: n/a (packets are re-encoded, not forwarded)")
    if "stock" in results:
        sfu, stock = results["sfu"], results["stock"]
        print(
            "\nratio, packets forwarded per core, SFU / stock aiortc:"
            f" {sfu['per_core'] / stock['per_core']:.1f}x"
            f" (throughput delivered: {sfu['per_second'] / max(1.0, stock['per_second']):.1f}x)"
        )


if __name__ == "__main__":
    main()
