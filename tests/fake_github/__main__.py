"""Serve a fake GitHub until Ctrl-C: ``python -m tests.fake_github --port 8765 --seed 1``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time

from .server import FakeGitHub
from .world import SIZES, World


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fake_github", description=__doc__)
    parser.add_argument(
        "--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free port)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--org", default="acme-ai")
    parser.add_argument("--token", default="test-token")
    parser.add_argument("--rate-limit", type=int, default=5000)
    parser.add_argument(
        "--legacy-shapes",
        action="store_true",
        help="answer in GitHub's older issue shapes (null pull_request links, issue ids)",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    world = World.generate(
        args.seed, org=args.org, legacy_shapes=args.legacy_shapes, **SIZES[args.size]
    )
    took = time.perf_counter() - started
    server = FakeGitHub(world, token=args.token, rate_limit=args.rate_limit, port=args.port)
    server.start()
    counts = ", ".join(f"{v} {k}" for k, v in world.counts().items())
    print(
        f"fake GitHub ({args.size}, seed {args.seed}: {counts}; built in {took:.1f}s)", flush=True
    )
    print(f"base URL: {server.base_url}", flush=True)
    command = f"talent mine github {args.org} --base-url {server.base_url}"
    print(f"try: GITHUB_TOKEN={args.token} {command}", flush=True)
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
