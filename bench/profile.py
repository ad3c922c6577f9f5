"""Where a running process spends its CPU: samples it with py-spy and prints the functions
that hold the most busy samples (idle waits in the event loop and thread pools left out).

    .venv/bin/python -m bench.profile --pid $(pgrep -f "python -m workers" | head -1) --seconds 20

Run it while ``bench.loadgen`` is in its load window. py-spy needs ptrace rights (root, or
``--cap-add SYS_PTRACE`` in a container); ``pip install py-spy`` if it is missing.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

IDLE = ("EpollSelector.select", "select (selectors.py", "_worker (concurrent/futures/thread.py")
OURS = ("shared/", "gateway/", "workers/", "api/")


def busy_functions(raw: str) -> tuple[int, int, Counter[str], Counter[str]]:
    """From py-spy's raw (collapsed) output: total samples, busy samples, and per function
    the busy samples it appears in (inclusive) and is on top of (self)."""
    total = busy = 0
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        if any(marker in frames[-1] for marker in IDLE):
            continue
        busy += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    return total, busy, inclusive, own


def report(raw: str, top: int, expected: int) -> str:
    """``expected`` is seconds x rate: py-spy leaves out samples where the process sleeps in
    C (uvloop's epoll wait shows no Python frame), so the samples it wrote are no measure
    of the whole time."""
    total, busy, inclusive, own = busy_functions(raw)
    if busy == 0:
        return f"{total} samples, none busy"
    share = min(busy / expected, 1.0)
    lines = [f"{busy} busy samples of {expected} taken ({share:.0%} of the time on CPU)", ""]
    lines.append("self time (busy samples on top of the stack):")
    lines += [f"  {n / busy:6.1%}  {frame}" for frame, n in own.most_common(top)]
    lines.append("")
    lines.append("inclusive, this project's functions:")
    ours = [(frame, n) for frame, n in inclusive.most_common() if any(o in frame for o in OURS)]
    lines += [f"  {n / busy:6.1%}  {frame}" for frame, n in ours[:top]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--rate", type=int, default=200, help="samples per second")
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args(argv)
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "raw.txt"
        command = [py_spy, "record", "-p", str(args.pid), "-d", str(args.seconds)]
        command += ["-r", str(args.rate), "-f", "raw", "-o", str(out)]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0 or not out.exists():
            print(done.stderr.strip() or "py-spy failed", file=sys.stderr)
            return 1
        print(report(out.read_text(), args.top, args.seconds * args.rate))
    return 0


if __name__ == "__main__":
    sys.exit(main())
