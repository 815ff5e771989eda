//! Lexer tests: the token stream for each token class and mode.

use sblc::source::FileId;
use sblc::syntax::lexer::lex;
use sblc::syntax::token::TokenKind as T;

fn kinds(text: &str) -> Vec<T> {
    let (tokens, diagnostics) = lex(FileId(0), text);
    assert!(diagnostics.is_empty(), "{text:?}: {diagnostics:?}");
    tokens.into_iter().map(|t| t.kind).collect()
}

#[test]
fn names_keywords_and_numbers() {
    assert_eq!(
        kinds("let secure-storage x' _y in 42"),
        [
            T::Let,
            T::Ident("secure-storage".into()),
            T::Ident("x'".into()),
            T::Ident("_y".into()),
            T::In,
            T::Int(42),
            T::Eof
        ]
    );
}

#[test]
fn paths_and_stdlib_modules() {
    assert_eq!(
        kinds("import ./a/b-1.sbl ../c.zip <secure-storage>"),
        [
            T::Import,
            T::Path("./a/b-1.sbl".into()),
            T::Path("../c.zip".into()),
            T::StdlibPath("secure-storage".into()),
            T::Eof
        ]
    );
    // Division and merge are not paths.
    assert_eq!(
        kinds("a/2"),
        [T::Ident("a".into()), T::Slash, T::Int(2), T::Eof]
    );
    assert_eq!(
        kinds("a // b"),
        [
            T::Ident("a".into()),
            T::Update,
            T::Ident("b".into()),
            T::Eof
        ]
    );
    assert_eq!(
        kinds("a < b"),
        [T::Ident("a".into()), T::Less, T::Ident("b".into()), T::Eof]
    );
}

#[test]
fn operators_take_the_longest_match() {
    assert_eq!(
        kinds(":: : ++ + // / == = != ! <= < >= > && || | -> - ... . ? @ ,"),
        [
            T::DoubleColon,
            T::Colon,
            T::Concat,
            T::Plus,
            T::Update,
            T::Slash,
            T::Eq,
            T::Assign,
            T::NotEq,
            T::Not,
            T::LessEq,
            T::Less,
            T::GreaterEq,
            T::Greater,
            T::And,
            T::OrOr,
            T::Pipe,
            T::Arrow,
            T::Minus,
            T::Ellipsis,
            T::Dot,
            T::Question,
            T::At,
            T::Comma,
            T::Eof
        ]
    );
}

#[test]
fn string_modes_nest_through_interpolation() {
    assert_eq!(
        kinds(r#""a${ { b = "c${d}"; } }e""#),
        [
            T::StrOpen,
            T::StrText("a".into()),
            T::InterpolationOpen,
            T::LBrace,
            T::Ident("b".into()),
            T::Assign,
            T::StrOpen,
            T::StrText("c".into()),
            T::InterpolationOpen,
            T::Ident("d".into()),
            T::InterpolationClose,
            T::StrClose,
            T::Semicolon,
            T::RBrace,
            T::InterpolationClose,
            T::StrText("e".into()),
            T::StrClose,
            T::Eof
        ]
    );
}

#[test]
fn indented_strings_keep_raw_text_for_the_parser() {
    assert_eq!(
        kinds("''a ''${x} '''${y}''"),
        [
            T::IndentedStrOpen,
            T::IndentedText("a ''${x} '''".into()),
            T::InterpolationOpen,
            T::Ident("y".into()),
            T::InterpolationClose,
            T::StrClose,
            T::Eof
        ]
    );
}

#[test]
fn comments_are_skipped() {
    assert_eq!(
        kinds("# line\n1 /* block /* nested */ */ 2"),
        [T::Int(1), T::Int(2), T::Eof]
    );
}

#[test]
fn spans_cover_the_token_text() {
    let text = "let  name = \"x\";";
    let (tokens, _) = lex(FileId(0), text);
    let texts: Vec<&str> = tokens.iter().map(|t| &text[t.span.range()]).collect();
    assert_eq!(texts, ["let", "name", "=", "\"", "x", "\"", ";", ""]);
}
