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


# What the decision documents need: the fonts their PDF embeds and poppler to read it back in tests.
DOCUMENT_PACKAGES = {
    "fonts-texgyre": Path("/usr/share/texmf/fonts/opentype/public/tex-gyre/texgyretermes-regular.otf"),
    "fonts-liberation2": Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"),
    "poppler-utils": Path("/usr/bin/pdftotext"),
    # A software PKCS#11 token: the signature test signs with a key that never leaves it.
    "softhsm2": Path("/usr/lib/softhsm/libsofthsm2.so"),
}


def ensure_document_packages() -> str:
    """Install the Debian packages of the decision documents if needed and possible; a one-line report."""
    missing = [name for name, path in DOCUMENT_PACKAGES.items() if not path.exists()]
    if not missing:
        return "browser_setup: document fonts, poppler-utils and softhsm2 already present, nothing to do"
    why = "document tests will be skipped with the reason"
    if os.environ.get(SKIP_ENV):
        return f"browser_setup: {', '.join(missing)} missing; {SKIP_ENV} is set, not installing ({why})"
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return f"browser_setup: {', '.join(missing)} missing; not root or no apt-get, cannot install ({why})"
    apt = shutil.which("apt-get") or "apt-get"
    update = _run([apt, "update", "-qq"])
    if update.returncode != 0:
        return f"browser_setup: apt-get update failed ({_last_line(update)}); {why}"
    install = _run([apt, "install", "-y", "-qq", *missing])
    if install.returncode != 0:
        return f"browser_setup: apt-get install {' '.join(missing)} failed ({_last_line(install)}); {why}"
    return f"browser_setup: installed Debian packages {', '.join(missing)}"


def _last_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in (result.stderr or result.stdout or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else f"exit code {result.returncode}"


def main() -> int:
    for ensure in (ensure_chromium, ensure_document_packages):
        try:
            message = ensure()
        except Exception as exc:  # never fail the build
            message = f"browser_setup: {ensure.__name__} failed: {exc!r}"
        print(message, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
