//! Short bundled sounds, played natively on a thread of their own. A
//! machine without an audio device logs that once and stays silent.

use std::io::Cursor;
use std::sync::mpsc;

const BOOKING: &[u8] = include_bytes!("../../sounds/booking.wav");
const MESSAGE: &[u8] = include_bytes!("../../sounds/message.wav");
const SYSTEM: &[u8] = include_bytes!("../../sounds/system.wav");

/// The audio output closes this long after the last sound started (every
/// sound is shorter).
const CLOSE_AFTER: std::time::Duration = std::time::Duration::from_secs(5);

/// Plays sounds without blocking the caller.
#[derive(Clone)]
pub struct Sounds {
    requests: mpsc::Sender<&'static [u8]>,
}

impl Sounds {
    /// Starts the audio thread; the device is opened on first use.
    pub fn start() -> Sounds {
        let (requests, queue) = mpsc::channel::<&'static [u8]>();
        let spawned = std::thread::Builder::new().name("sounds".into()).spawn(move || {
            let mut output: Option<rodio::OutputStream> = None;
            let mut unavailable = false;
            loop {
                // The output stream runs a mixing thread even in silence:
                // it is closed once the sounds are over, so an idle app
                // uses no CPU.
                let next = if output.is_some() {
                    queue.recv_timeout(CLOSE_AFTER)
                } else {
                    queue.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected)
                };
                let sound = match next {
                    Ok(sound) => sound,
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        output = None;
                        continue;
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                };
                if output.is_none() && !unavailable {
                    match rodio::OutputStreamBuilder::open_default_stream() {
                        Ok(mut stream) => {
                            stream.log_on_drop(false);
                            output = Some(stream);
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "no audio output device; notification sounds are off");
                            unavailable = true;
                        }
                    }
                }
                if let Some(stream) = &output {
                    match rodio::play(stream.mixer(), Cursor::new(sound)) {
                        Ok(sink) => sink.detach(),
                        Err(e) => tracing::warn!(error = %e, "could not play a sound"),
                    }
                }
            }
        });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "could not start the sound thread");
        }
        Sounds { requests }
    }

    /// Plays the sound for `kind` (`booking`, `message`, anything else: system).
    pub fn play(&self, kind: &str) {
        let sound = match kind {
            "booking" => BOOKING,
            "message" => MESSAGE,
            _ => SYSTEM,
        };
        let _ = self.requests.send(sound);
    }
}
