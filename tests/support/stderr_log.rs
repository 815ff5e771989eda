//! A child process's stderr, collected as it comes, for tests that follow a long-running
//! `sblc --watch` and wait for what it says.

use std::io::Read;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

pub struct StderrLog {
    seen: Arc<Mutex<String>>,
    reader: JoinHandle<()>,
}

impl StderrLog {
    /// Starts reading `child`'s piped stderr.
    pub fn follow(child: &mut Child) -> StderrLog {
        let seen = Arc::new(Mutex::new(String::new()));
        let mut stderr = child.stderr.take().expect("piped stderr");
        let sink = seen.clone();
        let reader = std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                if let Ok(mut text) = sink.lock() {
                    text.push_str(&String::from_utf8_lossy(&buffer[..n]));
                }
            }
        });
        StderrLog { seen, reader }
    }

    /// What the child has written so far.
    pub fn text(&self) -> String {
        self.seen.lock().map(|t| t.clone()).unwrap_or_default()
    }

    pub fn contains(&self, needle: &str) -> bool {
        self.text().contains(needle)
    }

    pub fn count(&self, needle: &str) -> usize {
        self.text().matches(needle).count()
    }

    /// Everything the child wrote, once it has exited (its stderr closed).
    pub fn finish(self) -> String {
        let StderrLog { seen, reader } = self;
        let _ = reader.join();
        let text = seen.lock().map(|t| t.clone()).unwrap_or_default();
        text
    }
}
