"""Recording what the app plays: PulseAudio's null sink `e2e` (set up by
e2e/desktop-session.sh) stands in for a sound card, and its monitor is recorded."""

import signal
import subprocess
from pathlib import Path

from .waiting import wait_until


class Recording:
    def __init__(self, wav: Path):
        self.wav = wav
        self.proc = subprocess.Popen(["parec", "-d", "e2e.monitor", "--file-format=wav", wav])
        wait_until("the recorder", lambda: wav.exists() and wav.stat().st_size > 4096)

    def stop_and_measure(self) -> float:
        """Stops recording; the RMS amplitude of what was recorded (silence is 0)."""
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(10)
        stat = subprocess.run(["sox", self.wav, "-n", "stat"], capture_output=True, text=True).stderr
        return float(next(line.split()[-1] for line in stat.splitlines() if line.startswith("RMS     amplitude")))
