"""Fixtures of the packaged scenarios: the .deb of version A (and B, for
updates) that e2e/build-updates.sh made, installed with apt per test, and a
loopback site that offers B."""

import json
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.package import field, install, remove, stop_installed_apps
from harness.paths import ROOT, TARGET

PACKAGES = TARGET / "e2e-updater"
TAURI = ROOT / "ui" / "node_modules" / ".bin" / "tauri"


def built(version: str) -> Path:
    found = sorted(PACKAGES.glob(f"{version}/*.deb"))
    if not found:
        pytest.exit(f"no package in {PACKAGES / version}: run e2e/build-updates.sh --debug first", returncode=2)
    return found[0]


@pytest.fixture(scope="session")
def deb_a() -> Path:
    return built("a")


@pytest.fixture(scope="session")
def deb_b() -> Path:
    return built("b")


@pytest.fixture
def installed_a(deb_a: Path, out: Path) -> Iterator[str]:
    """Version A installed for this test, removed after it; its package name."""
    package = field(deb_a, "Package")
    remove(package, out / "apt.log")
    install(deb_a, out / "apt.log")
    yield package
    stop_installed_apps()
    remove(package, out / "apt.log")


@pytest.fixture(scope="session")
def update_site(deb_b: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """http://127.0.0.1:PORT/ with B offered four ways: good/ (signed with
    the key A trusts), bad/ (signed by a stranger), cut/ (the download cut
    halfway, with the full package's signature) and malformed/ (a manifest
    that is not JSON). Each has its latest.json."""
    site = tmp_path_factory.mktemp("site")
    version_b = field(deb_b, "Version")
    name = deb_b.name
    for kind in ("good", "bad", "cut", "malformed"):
        (site / kind).mkdir()
    shutil.copy(deb_b, site / "good")
    shutil.copy(deb_b.with_name(name + ".sig"), site / "good")
    shutil.copy(deb_b, site / "bad")
    stranger = site / "stranger.key"
    subprocess.run([TAURI, "signer", "generate", "--ci", "--force", "-w", stranger, "-p", ""], check=True,
                   capture_output=True, env={"CI": "true", "PATH": "/usr/bin:/bin"})
    subprocess.run([TAURI, "signer", "sign", "-f", stranger, "-p", "", site / "bad" / name], check=True,
                   capture_output=True, env={"TAURI_SIGNING_PRIVATE_KEY_PASSWORD": "", "PATH": "/usr/bin:/bin"})
    whole = deb_b.read_bytes()
    (site / "cut" / name).write_bytes(whole[: len(whole) // 2])
    shutil.copy(deb_b.with_name(name + ".sig"), site / "cut")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    for kind in ("good", "bad", "cut"):
        manifest = subprocess.run(
            ["python3", ROOT / "scripts" / "updater_manifest.py", "--version", version_b, "--base-url",
             f"{base}/{kind}", "--notes", "Test update", site / kind],
            check=True, capture_output=True, text=True).stdout
        json.loads(manifest)
        (site / kind / "latest.json").write_text(manifest)
    (site / "malformed" / "latest.json").write_text('{"version": "0.1.1", "platforms": ')  # cut short
    server = subprocess.Popen(["python3", "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", site],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield base
    server.terminate()
