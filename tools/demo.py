"""``make demo``: the demo backend plus a site built against it, both on this machine.

    python tools/demo.py [--host 127.0.0.1] [--port 8000] [--scenario operational]

Starts ``mock/server.py`` (token endpoint on :3000, Socket.IO on :4000), builds
``build/demo-site`` with STATUSPAGE_MOCK=never so only live data can appear, and serves
it. The backend's clusters change every two seconds. Ctrl-C stops both.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.build import build  # noqa: E402
from tools.serve import make_server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--scenario", default="degraded")
    parser.add_argument("--clusters", type=int, default=6)
    parser.add_argument("--shards-per-cluster", type=int, default=8)
    args = parser.parse_args()

    backend = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "mock" / "server.py"),
            "--host",
            "127.0.0.1",
            "--api-port",
            "3000",
            "--ws-port",
            "4000",
            "--scenario",
            args.scenario,
            "--clusters",
            str(args.clusters),
            "--shards-per-cluster",
            str(args.shards_per_cluster),
            "--tick",
            "2.0",
        ],
    )
    try:
        out = ROOT / "build" / "demo-site"
        build(
            out,
            {
                "STATUSPAGE_TOKEN_URL": "http://localhost:3000/ws-token",
                "STATUSPAGE_WS_URL": "http://localhost:4000",
                "STATUSPAGE_MOCK": "never",
                "STATUSPAGE_REFRESH_SECONDS": "5",
            },
        )
        server = make_server(out, args.host, args.port)
        print(
            f"demo: live status page at http://{args.host}:{args.port}/ (Ctrl-C stops)", flush=True
        )
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        backend.terminate()
        backend.wait(timeout=10)


if __name__ == "__main__":
    main()
