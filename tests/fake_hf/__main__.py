"""Serve a fake Hugging Face Hub until Ctrl-C: ``python -m tests.fake_hf --port 8766 --seed 1``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time

from .server import FakeHub
from .world import SIZES, HubWorld


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fake_hf", description=__doc__)
    parser.add_argument(
        "--port", type=int, default=8766, help="port on 127.0.0.1 (0: any free port)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--org", default="acme-ai")
    parser.add_argument("--token", default="hf_test")
    parser.add_argument("--rate-limit", type=int, default=1000, help="requests per 300 s")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    world = HubWorld.generate(args.seed, org=args.org, **SIZES[args.size])
    took = time.perf_counter() - started
    server = FakeHub(world, tokens={args.token: {}}, port=args.port, rate_limit=args.rate_limit)
    server.start()
    counts = ", ".join(f"{v} {k}" for k, v in world.counts().items())
    print(f"fake Hub ({args.size}, seed {args.seed}: {counts}; built in {took:.1f}s)", flush=True)
    print(f"base URL: {server.base_url}", flush=True)
    command = f"talent mine hf {args.org} --endpoint {server.base_url}"
    print(f"try: HF_TOKEN={args.token} {command}", flush=True)
    # Stop cleanly on SIGTERM too (a test harness or CI killing the process).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
