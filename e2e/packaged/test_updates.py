"""Updates as a user meets them: the installed version A offered B by its
update site, from the tray; only a package signed with the key A trusts,
downloaded whole, is installed."""

import re

import pytest

from harness.app import App
from harness.package import PROGRAM, field, installed_version
from harness.tray import Tray
from harness.waiting import wait_until

# Downloading and installing a 50 MB package takes a while on a loaded machine.
SLOW = 30


@pytest.fixture
def version_a(deb_a):
    return field(deb_a, "Version")


@pytest.fixture
def version_b(deb_b):
    return field(deb_b, "Version")


def start_a(profile, out, update_site, kind):
    return App(profile, out / "app.log", "--hidden", "--no-autostart",
               env={"URUTIBIZ_UPDATE_URL": f"{update_site}/{kind}/latest.json"}, program=PROGRAM)


def offered(app, version_b):
    tray = Tray.of(app.pid, timeout=SLOW)
    label = f"Update available — {version_b}"
    wait_until(f"the tray to offer {version_b}", lambda: label in tray.labels(), SLOW)
    return tray, label


def test_an_update_installed_from_the_tray_restarts_the_app_as_the_new_version(
        installed_a, profile, out, update_site, version_a, version_b):
    app = start_a(profile, out, update_site, "good")
    tray, label = offered(app, version_b)
    tray.click(label)
    wait_until(f"the app to restart as {version_b}",
               lambda: re.search(rf"UrutiBiz starting.*version={re.escape(version_b)}", app.log_text()), SLOW)
    assert installed_version(installed_a) == version_b
    wait_until(f"version {version_a}'s process to end", lambda: not app.running(), SLOW)


@pytest.mark.parametrize("kind", ["bad", "cut"])
def test_an_update_not_signed_whole_by_the_trusted_key_is_refused_with_a_popup(
        installed_a, profile, out, update_site, version_a, version_b, kind, notify_calls):
    app = start_a(profile, out, update_site, kind)
    tray, label = offered(app, version_b)
    tray.click(label)
    refusal = wait_until("the refusal", lambda: re.search(r"update not installed.*", app.log_text()), SLOW)
    assert "The update was refused: its signature" in refusal.group(0), refusal.group(0)
    wait_until("the popup saying so", lambda: notify_calls.find("Update not installed"))
    assert app.running(), f"version {version_a} stopped running"
    assert installed_version(installed_a) == version_a


def test_a_malformed_update_manifest_offers_nothing(installed_a, profile, out, update_site, version_a, version_b):
    app = start_a(profile, out, update_site, "malformed")
    wait_until("the check to fail", lambda: "could not check for updates" in app.log_text(), SLOW)
    assert app.running(), f"version {version_a} stopped on a malformed manifest"
    assert f"Update available — {version_b}" not in Tray.of(app.pid).labels()
