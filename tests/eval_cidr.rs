//! CIDR builtins: Terraform-compatible subnetting and host numbering, IPv4 and IPv6, and the
//! errors for bad input.

mod eval_common;

use eval_common::{eval_error, eval_json};
use sblc::diagnostic::Code;
use serde_json::json;

#[test]
fn cidr_subnet_matches_terraform() {
    assert_eq!(
        eval_json("cidrSubnet \"10.0.0.0/16\" 8 2"),
        json!("10.0.2.0/24")
    );
    assert_eq!(
        eval_json("cidrSubnet \"10.0.0.0/16\" 8 255"),
        json!("10.0.255.0/24")
    );
    assert_eq!(
        eval_json("cidrSubnet \"10.1.2.3/16\" 4 15"),
        json!("10.1.240.0/20"),
        "host bits dropped"
    );
    assert_eq!(
        eval_json("cidrSubnet \"172.16.0.0/12\" 4 2"),
        json!("172.18.0.0/16")
    );
    assert_eq!(
        eval_json("cidrSubnet \"10.0.0.0/24\" 0 0"),
        json!("10.0.0.0/24")
    );
    assert_eq!(
        eval_json("cidrSubnet \"10.0.0.0/8\" 24 3"),
        json!("10.0.0.3/32")
    );
    assert_eq!(
        eval_json("cidrSubnet \"fd00::/48\" 16 5"),
        json!("fd00:0:0:5::/64")
    );
    assert_eq!(
        eval_json("cidrSubnet \"2001:db8::/32\" 8 255"),
        json!("2001:db8:ff00::/40")
    );
    assert_eq!(eval_json("cidrSubnet \"::/0\" 128 1"), json!("::1/128"));
}

#[test]
fn cidr_subnets_plan_a_landing_zone() {
    let text = "let hub = \"10.0.0.0/16\"; in map (i: cidrSubnet hub 8 i) (range 0 3)";
    assert_eq!(
        eval_json(text),
        json!(["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"])
    );
}

#[test]
fn cidr_host_counts_from_both_ends() {
    assert_eq!(eval_json("cidrHost \"10.0.1.0/24\" 5"), json!("10.0.1.5"));
    assert_eq!(eval_json("cidrHost \"10.0.1.0/24\" 0"), json!("10.0.1.0"));
    assert_eq!(
        eval_json("cidrHost \"10.0.1.0/24\" 255"),
        json!("10.0.1.255")
    );
    assert_eq!(
        eval_json("cidrHost \"10.0.1.0/24\" (-1)"),
        json!("10.0.1.255")
    );
    assert_eq!(
        eval_json("cidrHost \"10.0.1.0/24\" (-256)"),
        json!("10.0.1.0")
    );
    assert_eq!(
        eval_json("cidrHost \"10.12.112.0/20\" 16"),
        json!("10.12.112.16")
    );
    assert_eq!(eval_json("cidrHost \"fd00::/64\" 10"), json!("fd00::a"));
    assert_eq!(eval_json("cidrHost \"fd00::/120\" (-1)"), json!("fd00::ff"));
    assert_eq!(
        eval_json("cidrHost \"::/0\" (-1)"),
        json!("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
    );
}

#[test]
fn cidr_contains_addresses_and_prefixes() {
    assert_eq!(
        eval_json("cidrContains \"10.0.0.0/16\" \"10.0.3.4\""),
        json!(true)
    );
    assert_eq!(
        eval_json("cidrContains \"10.0.0.0/16\" \"10.1.0.0\""),
        json!(false)
    );
    assert_eq!(
        eval_json("cidrContains \"10.0.0.0/16\" \"10.0.8.0/24\""),
        json!(true)
    );
    assert_eq!(
        eval_json("cidrContains \"10.0.0.0/16\" \"10.0.0.0/8\""),
        json!(false)
    );
    assert_eq!(
        eval_json("cidrContains \"10.0.0.0/16\" \"fd00::1\""),
        json!(false),
        "families differ"
    );
    assert_eq!(
        eval_json("cidrContains \"fd00::/48\" \"fd00:0:0:7::1\""),
        json!(true)
    );
}

#[test]
fn cidr_overlaps() {
    assert_eq!(
        eval_json("cidrOverlaps \"10.0.0.0/16\" \"10.0.128.0/17\""),
        json!(true)
    );
    assert_eq!(
        eval_json("cidrOverlaps \"10.0.128.0/17\" \"10.0.0.0/16\""),
        json!(true)
    );
    assert_eq!(
        eval_json("cidrOverlaps \"10.0.0.0/24\" \"10.0.1.0/24\""),
        json!(false)
    );
    assert_eq!(
        eval_json("cidrOverlaps \"10.0.0.0/8\" \"fd00::/8\""),
        json!(false)
    );
}

#[test]
fn cidr_prefix_length() {
    assert_eq!(eval_json("cidrPrefixLength \"10.0.0.0/16\""), json!(16));
    assert_eq!(eval_json("cidrPrefixLength \"fd00::/48\""), json!(48));
}

#[test]
fn bad_cidr_input_is_reported() {
    for text in [
        "cidrSubnet \"10.0.0/16\" 8 0",
        "cidrSubnet \"10.0.0.0\" 8 0",
        "cidrSubnet \"10.0.0.0/33\" 1 0",
        "cidrSubnet \"10.0.0.0/16\" 17 0",
        "cidrSubnet \"10.0.0.0/16\" (-1) 0",
        "cidrSubnet \"10.0.0.0/16\" 8 256",
        "cidrSubnet \"10.0.0.0/16\" 8 (-1)",
        "cidrHost \"10.0.1.0/24\" 256",
        "cidrHost \"10.0.1.0/24\" (-257)",
        "cidrContains \"10.0.0.0/16\" \"not-an-ip\"",
        "cidrOverlaps \"10.0.0.0/16\" \"x\"",
        "cidrPrefixLength \"banana\"",
    ] {
        assert_eq!(eval_error(text).code, Code::InvalidCidr, "{text}");
    }
    let d = eval_error("cidrSubnet \"10.0.0.0/16\" 8 300");
    assert_eq!(
        d.primary.span.range(),
        27..30,
        "points at the subnet number"
    );
    assert!(
        d.notes.iter().any(|n| n.contains("0 to 255")),
        "{:?}",
        d.notes
    );
}
