fn main() {
    let text = std::env::args().nth(1).unwrap();
    let (toks, d) = sblc::syntax::lexer::lex(sblc::source::FileId(0), &text);
    for t in &toks { println!("{:?} {}..{}", t.kind, t.span.start, t.span.end); }
    println!("{:?}", d);
}
