//! Times loading and type checking of the files given (best of ten runs):
//! `cargo run --release --example typecheck_timing -- file.sbl ...`.
fn main() {
    for path in std::env::args().skip(1) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!("cannot read {path}");
            continue;
        };
        let mut best = (std::time::Duration::MAX, std::time::Duration::MAX);
        for _ in 0..10 {
            let t0 = std::time::Instant::now();
            let (program, _) = sblc::load::load_text("main.sbl", &text, std::path::Path::new("."));
            let t1 = std::time::Instant::now();
            let report = sblc::types::check(&program);
            let t2 = std::time::Instant::now();
            std::hint::black_box(report);
            best = (best.0.min(t1 - t0), best.1.min(t2 - t1));
        }
        println!("{path}: load {:?} check {:?}", best.0, best.1);
    }
}
