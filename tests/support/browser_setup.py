"""Make sure a browser exists for the Playwright UI test: `python -m tests.support.browser_setup`.

The browser test drives Debian's chromium (/usr/bin/chromium). When it is missing and we are
root on a system with apt-get, install the Debian package. Nothing is downloaded from outside
the package registries (no `playwright install`). This script never fails the build: it prints
one line saying what it did or why it could not, and exits 0.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
SKIP_ENV = "THIDUA_SKIP_BROWSER_INSTALL"


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)


def ensure_chromium() -> str:
    """Install chromium if needed and possible; return a one-line report."""
    if CHROMIUM.exists():
        return f"browser_setup: {CHROMIUM} already present, nothing to do"
    if os.environ.get(SKIP_ENV):
        return f"browser_setup: {CHROMIUM} missing; {SKIP_ENV} is set, not installing (browser test will be skipped)"
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return f"browser_setup: {CHROMIUM} missing; not root, cannot apt-get install chromium (browser test will be skipped)"
    apt = shutil.which("apt-get")
    if apt is None:
        return f"browser_setup: {CHROMIUM} missing; apt-get not found (browser test will be skipped)"
    update = _run([apt, "update", "-qq"])
    if update.returncode != 0:
        return f"browser_setup: apt-get update failed ({_last_line(update)}); browser test will be skipped"
    install = _run([apt, "install", "-y", "-qq", "chromium"])
    if install.returncode != 0 or not CHROMIUM.exists():
        return f"browser_setup: apt-get install chromium failed ({_last_line(install)}); browser test will be skipped"
    return f"browser_setup: installed Debian package chromium ({CHROMIUM})"


def _last_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in (result.stderr or result.stdout or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else f"exit code {result.returncode}"


def main() -> int:
    try:
        message = ensure_chromium()
    except Exception as exc:  # never fail the build
        message = f"browser_setup: could not check or install chromium: {exc!r}"
    print(message, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
