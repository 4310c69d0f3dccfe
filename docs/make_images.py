"""Make the README's pictures in docs/: the campaign map, a frame of the animation and the
replay page in a browser.

    python docs/make_images.py            # needs the extra 'plot'; Chromium for the page

Plays West Hunan on seed 1 (the campaign the README's examples use) into a temporary
folder, draws with the same commands a reader would type, and writes
``docs/map-1945-05-04.png``, ``docs/animation-frame.png`` and ``docs/replay-page.png``,
each quantized to 256 colours to stay small. Prints each file's size and SHA-256.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
DATE = "1945-05-04"
FRAME_DAY = 28  # 4 May 1945, the map's day


def wargame(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "wargame", *args], check=True)


def small_png(src: Path, dest: Path) -> None:
    from PIL import Image

    with Image.open(src) as im:
        rgb = im.convert("RGB")
    rgb.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        dest, optimize=True
    )


def gif_frame(src: Path, day: int, dest: Path) -> None:
    from PIL import Image

    with Image.open(src) as im:
        im.seek(day)
        frame = im.convert("RGB")
    frame.save(dest, optimize=True)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        log = t / "west.jsonl"
        wargame("run", "--seed", "1", "--quiet", "--log", str(log))
        wargame("plot", str(log), "--date", DATE, "--out", str(t / "map.png"))
        small_png(t / "map.png", DOCS / f"map-{DATE}.png")
        wargame("plot", str(log), "--animate", str(t / "campaign.gif"))
        gif_frame(t / "campaign.gif", FRAME_DAY, DOCS / "animation-frame.png")
        wargame("export", str(log), "--html", str(t / "game.html"))
        browser = shutil.which("chromium") or shutil.which("chromium-browser")
        if browser is None:
            print("no Chromium: docs/replay-page.png not made", file=sys.stderr)
        else:
            subprocess.run(
                [
                    browser,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-first-run",
                    f"--user-data-dir={t / 'profile'}",
                    "--hide-scrollbars",
                    "--window-size=1500,1000",
                    "--virtual-time-budget=3000",
                    f"--screenshot={t / 'page.png'}",
                    (t / "game.html").as_uri() + f"#{DATE}",
                ],
                check=True,
                capture_output=True,
            )
            small_png(t / "page.png", DOCS / "replay-page.png")
    for name in (f"map-{DATE}.png", "animation-frame.png", "replay-page.png"):
        p = DOCS / name
        if p.exists():
            digest = hashlib.sha256(p.read_bytes()).hexdigest()[:16]
            print(f"{p.relative_to(DOCS.parent)}: {p.stat().st_size:,} bytes, sha256 {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
