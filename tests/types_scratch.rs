mod types_support;
use types_support::*;

#[test]
fn scratch() {
    for text in [
        "1 + 2",
        "x: x",
        "let id = x: x; in [ (id 1) (id 2) ]",
        "{ name, size ? 2, ... }: name",
        "map (x: x + 1) [ 1 2 ]",
        "let f = { vmSize :: String, sku :: \"Standard\" | \"Premium\" ? \"Standard\" }: { inherit vmSize sku; }; in f { vmSzie = \"a\"; sku = \"Premum\"; }",
        "let a = 1; in b + a",
        "if 1 then 2 else \"a\"",
        "r: r.a",
        "builtins",
    ] {
        println!("{}", report(text));
        let (p, r) = check_text(text);
        println!("type: {}\n", r.module_types[&p.entry]);
    }
}
