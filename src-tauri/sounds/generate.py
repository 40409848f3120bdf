#!/usr/bin/env python3
"""Synthesizes the app's notification sounds (our own, under the project's
licence): short sine chimes with a soft attack and exponential decay.
The WAV files are committed; rerun after changing the notes."""
import math
import struct
import wave

RATE = 44100


def chime(notes, path, gap=0.09, length=0.35, volume=0.35):
    total = int(RATE * (gap * (len(notes) - 1) + length))
    samples = [0.0] * total
    for i, freq in enumerate(notes):
        start = int(RATE * gap * i)
        for n in range(int(RATE * length)):
            t = n / RATE
            envelope = min(1.0, t / 0.008) * math.exp(-t * 9)
            tone = math.sin(2 * math.pi * freq * t) + 0.3 * math.sin(4 * math.pi * freq * t)
            if start + n < total:
                samples[start + n] += volume * envelope * tone / 1.3
    with wave.open(path, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(b"".join(struct.pack("<h", int(max(-1, min(1, s)) * 32767)) for s in samples))


chime([659.25, 987.77], "booking.wav")          # E5 then B5: something happened to a booking
chime([880.0], "message.wav", length=0.22)      # one short A5: a message
chime([523.25, 659.25, 783.99], "system.wav", gap=0.07)  # C-E-G: from the marketplace
