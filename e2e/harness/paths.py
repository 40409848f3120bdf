"""Where the repository, the binaries under test and the output live."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "target"
# E2E_APP=target/release/urutibiz-desktop runs the scenarios on a release build.
APP = Path(os.environ.get("E2E_APP", TARGET / "debug" / "urutibiz-desktop")).resolve()
SERVER = TARGET / "debug" / "realtime-server"
CLIENT = TARGET / "debug" / "realtime-client"
ICONS = ROOT / "icons" / "tray"
DEV_IDP = ROOT / "dev-idp"
# Each scenario writes its logs and screenshots under here, in a folder named after it.
OUT = TARGET / "e2e"
