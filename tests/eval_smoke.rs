mod eval_common;
use eval_common::eval_json;
use serde_json::json;

#[test]
fn smoke() {
    assert_eq!(eval_json("let x = 1; in x + 1"), json!(2));
    assert_eq!(eval_json("{ a = 1; b.c = \"x${toString 2}\"; l = map (x: x * 2) [ 1 2 3 ]; }"), json!({"a":1,"b":{"c":"x2"},"l":[2,4,6]}));
}
