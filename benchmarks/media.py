"""Media benchmark: time and peak memory to strip a photo and a screenshot and fit them to X, Mastodon and Bluesky.

Run: .venv/bin/python benchmarks/media.py [--runs 5]
Makes its own inputs: a 12-megapixel photo-like JPEG (gradients and sensor-like noise, with EXIF and GPS;
about 4.5 MB at quality 95, like a phone's; --noise 24 makes a much harder 7.4 MB one) and a 2,560 × 1,440
PNG screenshot (text on flat colours). Each is measured in a fresh child process, so its peak memory is its
own: "rss" is how far the process's peak resident size (VmHWM, reset through /proc/self/clear_refs before
the run) rose above its size before it, which counts Pillow's pixel buffers; "py" is tracemalloc's peak,
Python objects only (the file bytes).
Times are the median of --runs runs, each into an empty media folder (so nothing comes from the cache).
Targets (issue 11): the photo stripped and fitted for all three networks in at most 400 ms and 250 MB,
and no output under 2,000 px on its long side when the original was larger. Exits 1 on a miss.
"""

import argparse
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont

from recovery_voice.media import NETWORK_LIMITS, fit, mastodon_limits, store

MASTODON_SOCIAL = {"media_attachments": {"image_size_limit": 16_777_216, "image_matrix_limit": 33_177_600}}
NETWORKS = {"x": NETWORK_LIMITS["x"], "mastodon": mastodon_limits(MASTODON_SOCIAL),
            "bluesky": NETWORK_LIMITS["bluesky"]}
TARGET_MS, TARGET_MB, DISPLAY = 400, 250, 2000


def photo(noise_sigma: float = 10) -> bytes:
    """A 4,000 × 3,000 JPEG: gradients and noise in every channel, EXIF with GPS, quality 95 like a phone."""
    width, height = 4000, 3000
    gradient = Image.linear_gradient("L").resize((width, height))
    noise = [Image.effect_noise((width, height), noise_sigma) for _ in range(3)]
    picture = Image.merge("RGB", [ImageChops.add(n, gradient, scale=1.6, offset=-20) for n in noise])
    exif = Image.Exif()
    exif[0x010F], exif[0x0112] = "BenchCam", 1
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 12.34), 3: "W", 4: (0.0, 7.0, 39.0)}
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=95, exif=exif)
    return out.getvalue()


def screenshot() -> bytes:
    """A 2,560 × 1,440 PNG: flat panels and lines of text."""
    picture = Image.new("RGB", (2560, 1440), "#f4f1ea")
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 0, 2560, 120), fill="#2d5d7b")
    draw.rectangle((80, 200, 850, 1360), fill="#ffffff", outline="#c8c8c8", width=3)
    font = ImageFont.load_default(size=30)
    for line in range(28):
        draw.text((910, 180 + line * 44), f"Tuesday café {line}: peer support, 7pm, all welcome.", fill="#1a1a1a",
                  font=font)
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def measure(path: Path, runs: int) -> dict:
    """In this process: strip and fit the file `runs` times, each into a new folder; times, memory and outputs."""
    data, name = path.read_bytes(), path.name
    base_rss = _peak_reset_kb()
    tracemalloc.start()
    timings, outputs = [], {}
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            took = {}
            started = time.perf_counter()
            stored = store(data, name, Path(folder))
            took["strip"] = time.perf_counter() - started
            for network, limits in NETWORKS.items():
                begun = time.perf_counter()
                fitted = fit(stored, limits, Path(folder))
                took[network] = time.perf_counter() - begun
                outputs[network] = {"bytes": fitted.path.stat().st_size, "width": fitted.width,
                                    "height": fitted.height, "mime": fitted.mime, "note": fitted.note}
            took["total"] = time.perf_counter() - started
            timings.append(took)
            outputs["stored"] = {"bytes": stored.path.stat().st_size, "width": stored.width, "height": stored.height}
            del stored
    py_peak = tracemalloc.get_traced_memory()[1]
    rss_growth = _memory_kb("VmHWM") - base_rss
    median = {key: statistics.median(t[key] for t in timings) * 1000 for key in timings[0]}
    return {"input_bytes": len(data), "ms": median, "rss_mb": rss_growth / 1024, "py_mb": py_peak / 2**20,
            "outputs": outputs}


def _memory_kb(field: str) -> int:
    """A line of /proc/self/status in kilobytes (VmRSS now, VmHWM the peak), else getrusage's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _peak_reset_kb() -> int:
    """Reset the peak resident size to the current one (Linux) and return the current one."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return _memory_kb("VmHWM")  # cannot reset: the growth of the lifetime peak is measured instead
    return _memory_kb("VmRSS")


def report(kind: str, result: dict) -> list[str]:
    """Print one input's figures; return the targets it missed."""
    ms, stored = result["ms"], result["outputs"]["stored"]
    print(f"\n{kind}: input {result['input_bytes']:,} bytes, stored {stored['bytes']:,} bytes "
          f"({stored['width']} × {stored['height']})")
    print(f"  strip {ms['strip']:.0f} ms; all three networks {ms['total']:.0f} ms (median); "
          f"peak memory: rss +{result['rss_mb']:.0f} MB, Python objects {result['py_mb']:.0f} MB")
    misses = []
    for network in NETWORKS:
        out = result["outputs"][network]
        print(f"  {network:9} {ms[network]:5.0f} ms  {out['bytes']:>10,} bytes  {out['width']} × {out['height']} "
              f"{out['mime']}{'  ' + out['note'] if out['note'] else ''}")
        if max(stored["width"], stored["height"]) > DISPLAY and max(out["width"], out["height"]) < DISPLAY:
            misses.append(f"{kind} on {network} is under {DISPLAY} px")
    if kind == "photo" and ms["total"] > TARGET_MS:
        misses.append(f"photo took {ms['total']:.0f} ms (target {TARGET_MS})")
    if kind == "photo" and result["rss_mb"] > TARGET_MB:
        misses.append(f"photo peaked at +{result['rss_mb']:.0f} MB (target {TARGET_MB})")
    return misses


def main() -> int:
    """Make the inputs, measure each in a child process, print the figures and check the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--noise", type=float, default=10, help="the photo's noise (default 10; 24 is harsh)")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # the child: measure this file
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.runs)))
        return 0
    misses = []
    with tempfile.TemporaryDirectory() as folder:
        inputs = (("photo", lambda: photo(args.noise), "photo.jpg"), ("screenshot", screenshot, "screenshot.png"))
        for kind, make, name in inputs:
            path = Path(folder) / name
            path.write_bytes(make())
            child = subprocess.run([sys.executable, __file__, "--one", str(path), "--runs", str(args.runs)],
                                   capture_output=True, text=True, check=True)
            misses += report(kind, json.loads(child.stdout))
    print("\n" + ("targets missed: " + "; ".join(misses) if misses else
                  f"targets met: photo within {TARGET_MS} ms and {TARGET_MB} MB, nothing under {DISPLAY} px"))
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
