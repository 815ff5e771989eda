//! `sblc explain`: the long text of a code, or the list of all codes.

use std::process::ExitCode;

use sblc::diagnostic::{did_you_mean, Code};

pub fn run(code: Option<&str>, list: bool) -> ExitCode {
    if list || code.is_none() {
        print!("{}", listing());
        return ExitCode::SUCCESS;
    }
    let text = code.unwrap_or_default();
    match Code::lookup(text) {
        Some(code) => {
            print!("{}", code.info().explanation);
            ExitCode::SUCCESS
        }
        None => {
            let known = Code::ALL.iter().map(|c| c.info().code);
            let upper = text.to_ascii_uppercase();
            match did_you_mean(&upper, known) {
                Some(best) => eprintln!("error: unknown code `{text}`; did you mean `{best}`?"),
                None => eprintln!(
                    "error: unknown code `{text}`; `sblc explain --list` shows every code"
                ),
            }
            ExitCode::from(super::EXIT_USAGE)
        }
    }
}

/// One line per code: code, RULES.md id, level, summary.
fn listing() -> String {
    let mut out = String::from("code   rule  level     summary\n");
    for code in Code::ALL {
        let info = code.info();
        out.push_str(&format!(
            "{:<6} {:<5} {:<9} {}\n",
            info.code,
            info.rule.unwrap_or("-"),
            info.level.as_str(),
            info.summary
        ));
    }
    out
}
