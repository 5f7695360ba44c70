#!/usr/bin/env python3
"""Run mastodon-mock (FastAPI + in-memory sqlite) on 127.0.0.1 for RadShare's tests and benchmarks.

Seeded with the package's default test accounts (alice, bob, carol), fault injection enabled
(`POST /api/v1/_mock/faults`). When it listens, prints ONE line of JSON on stdout:
  {"url": "http://127.0.0.1:PORT", "pid": PID, "accounts": {"alice": "<token>", ...}}
and runs until SIGTERM/SIGINT (stop it by PID). Usage: python serve.py [--port N]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import threading
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    import uvicorn

    from mastodon_mock.app import create_app
    from mastodon_mock.config import DatabaseConfig, MastodonMockConfig
    from mastodon_mock.testing.seed import DEFAULT_TEST_SEED

    port = args.port
    if not port:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
    config = MastodonMockConfig(database=DatabaseConfig(path=":memory:"), seed=DEFAULT_TEST_SEED)
    config.domain = f"127.0.0.1:{port}"
    config.url_scheme = "http"
    config.faults.enabled = True
    server = uvicorn.Server(uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="warning",
                                           server_header=False))

    def announce() -> None:
        while not server.started:
            time.sleep(0.02)
        tokens = {a.username: a.access_token for a in DEFAULT_TEST_SEED.accounts if a.access_token}
        print(json.dumps({"url": f"http://127.0.0.1:{port}", "pid": os.getpid(), "accounts": tokens}), flush=True)

    threading.Thread(target=announce, daemon=True).start()
    server.run()  # handles SIGTERM/SIGINT itself
    return 0


if __name__ == "__main__":
    sys.exit(main())
