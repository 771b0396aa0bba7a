"""Page images of hostile page sizes: the app's resident memory while the API draws them, against the README's
`streamlit run app.py` on embedded defaults.

    .venv/bin/python bench/page_images.py

A fresh server over a temporary STORAGE_DIR indexes each PDF through the API, then is asked for its pages'
pictures (GET /api/v1/documents/{id}/pages/{n}, with a highlight). While each request runs, the resident memory
of the app's process and, separately, of its children (the page is drawn in a limited child, as reading is) is
sampled every 20 ms from /proc. Reported: the answer, the picture's pixels, the seconds, the app's resident
memory before the request and at its peak, and the peak of a child. Before the bound (issue 28) one 3 × 3000 pt
page took the app to 10.2 GB for 54 s. Figures only, never a pass/fail.
"""

from __future__ import annotations

import struct
import tempfile
import threading
import time
from pathlib import Path

import httpx
from api_latency import SMALL, Server, machine, upload
from common import from_checkout, table

pdfs = from_checkout("tests.pdfs")


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


class Sampler:
    """The peak resident memory of `pid` and of any of its children, while it runs."""

    def __init__(self, pid: int) -> None:
        self.pid, self.app, self.child = pid, 0.0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.app = max(self.app, _rss_mb(self.pid))
            for child in _children(self.pid):
                self.child = max(self.child, _rss_mb(child))
            time.sleep(0.02)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _pixels(png: bytes) -> str:
    if not png.startswith(b"\x89PNG"):
        return "-"
    width, height = struct.unpack(">II", png[16:24])
    return f"{width} × {height}"


def cases() -> dict[str, bytes]:
    tall = pdfs.page_of_size(20, 6172)
    return {
        "libtasn1.pdf (A4, for comparison)": SMALL.read_bytes(),
        "3 × 3000 pt": pdfs.page_of_size(3, 3000),
        "1 × 14,400 pt": pdfs.page_of_size(1, 14_400),
        "14,400 × 14,400 pt": pdfs.page_of_size(14_400, 14_400),
        "20 pages of 20 × 6172 pt": pdfs.join_pdfs(*[tall] * 20),
    }


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "storage", None)
        try:
            with httpx.Client(timeout=600) as http:
                server.wait_healthy(http)
                for name, data in cases().items():
                    state = upload(http, server, name.split(" (")[0].replace(" ", "_") + ".pdf", data, "indexed")
                    for page in range(1, state["pages"] + 1):
                        before = _rss_mb(server.process.pid)
                        started = time.perf_counter()
                        with Sampler(server.process.pid) as sampled:
                            answer = http.get(
                                f"{server.api}/documents/{state['id']}/pages/{page}", params={"highlight": "page"}
                            )
                        seconds = time.perf_counter() - started
                        if page <= 2 or page == state["pages"]:
                            shown = answer.headers.get("content-type", "")
                            rows.append(
                                (
                                    f"{name} p.{page}",
                                    f"{answer.status_code} {shown.split(';')[0]}",
                                    _pixels(answer.content),
                                    f"{seconds:.2f}",
                                    f"{before:.0f}",
                                    f"{sampled.app:.0f}",
                                    f"{sampled.child:.0f}" if sampled.child else "-",
                                )
                            )
        finally:
            server.stop()
    table(
        "Page images through the API (MB of resident memory)",
        ("page", "answer", "pixels", "s", "app before", "app peak", "child peak"),
        rows,
    )
    print(f"\n{machine()}")


if __name__ == "__main__":
    main()
