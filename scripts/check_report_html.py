#!/usr/bin/env python
"""Open a report.html in real headless Chromium and check that its figures rendered.

Checks: (1) after load, every <img> has naturalWidth > 0 (report.html's inline script writes
``data-images-total`` / ``data-images-loaded`` on <body>; read back with --dump-dom);
(2) a screenshot of the page is not blank (more than one colour, some spread).

Usage: python scripts/check_report_html.py RUN/report/report.html [--min-images 1]
Exit status: 0 ok, 1 check failed, 2 chromium missing or failed to run.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--disable-dev-shm-usage', '--hide-scrollbars']


def find_chromium() -> str | None:
    """Path of a Chromium binary, or ``None``."""
    for name in (os.environ.get('CHROMIUM'), '/usr/bin/chromium', 'chromium',
                 'chromium-browser', 'google-chrome'):
        if name and (path := shutil.which(name)):
            return path
    return None


def _chromium(binary: str, args: list[str], timeout: float) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix='chromium-profile-') as profile:
        cmd = [binary, *FLAGS, f'--user-data-dir={profile}', *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def image_counts(dom: str) -> tuple[int, int]:
    """(loaded, total) images from the body's data attributes in a dumped DOM."""
    body = re.search(r'<body[^>]*>', dom)
    if body is None:
        raise ValueError('no <body> in the dumped DOM')
    tag = body.group(0)
    total = re.search(r'data-images-total="(\d+)"', tag)
    loaded = re.search(r'data-images-loaded="(\d+)"', tag)
    if total is None or loaded is None:
        raise ValueError('the load script did not run (no data-images-* on <body>)')
    return int(loaded.group(1)), int(total.group(1))


def screenshot_spread(path: Path) -> tuple[int, float]:
    """(number of distinct colours, pixel standard deviation) of a PNG screenshot."""
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(path).convert('RGB'), dtype=np.float32)
    flat = pixels.reshape(-1, 3)
    colours = len(np.unique(flat[:: max(1, len(flat) // 200_000)], axis=0))
    return colours, float(pixels.std())


def check(html: Path, min_images: int = 1, timeout: float = 90.0,
          screenshot: Path | None = None) -> list[str]:
    """Run both checks; return the failures (empty when all is well).

    Raises:
        FileNotFoundError: if ``html`` or Chromium is missing.
    """
    html = html.resolve()
    if not html.is_file():
        raise FileNotFoundError(f'{html} does not exist')
    binary = find_chromium()
    if binary is None:
        raise FileNotFoundError('no chromium binary (apt-get install -y chromium)')
    url = html.as_uri()
    failures = []
    dom = _chromium(binary, ['--virtual-time-budget=10000', '--dump-dom', url], timeout)
    try:
        loaded, total = image_counts(dom.stdout)
        if total < min_images:
            failures.append(f'{total} images in the page, expected at least {min_images}')
        if loaded != total:
            failures.append(f'only {loaded} of {total} images rendered (naturalWidth > 0)')
    except ValueError as err:
        failures.append(f'{err}; chromium exit {dom.returncode}: {dom.stderr[-500:]}')
    with tempfile.TemporaryDirectory(prefix='report-shot-') as tmp:
        shot = screenshot or Path(tmp) / 'shot.png'
        run = _chromium(binary, ['--window-size=1280,2400', '--virtual-time-budget=10000',
                                 f'--screenshot={shot}', url], timeout)
        if not shot.is_file():
            failures.append(f'no screenshot written; chromium exit {run.returncode}: '
                            f'{run.stderr[-500:]}')
        else:
            colours, spread = screenshot_spread(shot)
            if colours < 3 or spread < 1.0:
                failures.append(f'screenshot looks blank ({colours} colours, std {spread:.2f})')
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('html', type=Path, help='report.html to check')
    parser.add_argument('--min-images', type=int, default=1, help='fewest images expected')
    parser.add_argument('--screenshot', type=Path, default=None, help='keep the screenshot here')
    parser.add_argument('--timeout', type=float, default=90.0, help='seconds per chromium run')
    args = parser.parse_args(argv)
    try:
        failures = check(args.html, args.min_images, args.timeout, args.screenshot)
    except (FileNotFoundError, subprocess.TimeoutExpired) as err:
        print(f'check_report_html: {err}', file=sys.stderr)
        return 2
    for failure in failures:
        print(f'FAIL: {failure}', file=sys.stderr)
    if not failures:
        print(f'ok: {args.html} rendered with its figures')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
