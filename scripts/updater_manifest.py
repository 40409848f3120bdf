#!/usr/bin/env python3
"""Writes the updater manifest (latest.json) for a release to stdout.

Reads a directory of bundles and their `.sig` files (what `tauri build`
leaves when TAURI_SIGNING_PRIVATE_KEY is set) and lists, per platform, the
artifact the updater installs and its signature:

    scripts/updater_manifest.py --version 0.2.0 \\
        --base-url https://github.com/o/r/releases/download/v0.2.0 dist/ > latest.json

Exits non-zero when no signed artifact is found, so a release never
publishes a manifest that points at nothing.
"""

import argparse
import datetime
import json
import pathlib
import sys
import urllib.parse

# Which bundle each updater platform installs, by file name ending. An
# installed .deb or .rpm asks for its own kind (`linux-x86_64-deb`), an
# AppImage for `linux-x86_64`.
PLATFORMS = [
    ("linux-x86_64", ".AppImage"),
    ("linux-x86_64-deb", ".deb"),
    ("linux-x86_64-rpm", ".rpm"),
    ("windows-x86_64", "-setup.exe"),
    ("windows-x86_64-msi", ".msi"),
    ("darwin-universal", ".app.tar.gz"),
]


def manifest(directory: pathlib.Path, version: str, base_url: str, notes: str) -> dict:
    platforms = {}
    for platform, ending in PLATFORMS:
        for signature in sorted(directory.glob(f"*{ending}.sig")):
            artifact = signature.with_suffix("")
            if not artifact.is_file():
                raise SystemExit(f"{signature.name} has no {artifact.name} next to it")
            platforms[platform] = {
                "signature": signature.read_text().strip(),
                "url": f"{base_url.rstrip('/')}/{urllib.parse.quote(artifact.name)}",
            }
            break
    # A universal macOS build serves both architectures.
    if "darwin-universal" in platforms:
        for arch in ("darwin-x86_64", "darwin-aarch64"):
            platforms.setdefault(arch, platforms["darwin-universal"])
    if not platforms:
        raise SystemExit(f"no signed updater artifacts (*.sig) in {directory}")
    return {
        "version": version,
        "notes": notes,
        "pub_date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "platforms": platforms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", required=True, help="the release's version, without a leading v")
    parser.add_argument("--base-url", required=True, help="where the release's files are downloaded from")
    parser.add_argument("--notes", default="", help="release notes shown with the update")
    parser.add_argument("directory", type=pathlib.Path)
    args = parser.parse_args()
    json.dump(manifest(args.directory, args.version.lstrip("v"), args.base_url, args.notes), sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
