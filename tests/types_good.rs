//! Programs that are right must check without a single diagnostic: every construct of
//! `grammar/LANGUAGE-NOTES.md`, the builtins, and the gradual corners (`Any`, computed strings
//! against literal unions, open records).

mod types_support;

use types_support::{check_text, rendered};

fn assert_clean(text: &str) {
    let (program, report) = check_text(text);
    assert!(
        report.diagnostics.is_empty(),
        "unexpected type errors in:\n{text}\n{}",
        rendered(&program, &report.diagnostics)
    );
}

#[test]
fn literals_and_strings() {
    for text in [
        "42",
        "-7",
        "true",
        "null",
        "./dist/app.zip",
        "\"text ${\"inner\"} ${toString 3} ${./a} ${42}\"",
        "''\n  indented ${\"x\"}\n''",
        "[ ]",
        "[ 1 2 3 ]",
        "[ (toString 1) \"b\" ]",
    ] {
        assert_clean(text);
    }
}

#[test]
fn records_lets_and_bindings() {
    for text in [
        "{ a = 1; b.c = 2; b.d = \"x\"; \"quoted key\" = 3; }",
        "let x = 1; y = 2; in { inherit x y; }",
        "let r = { a = 1; b = 2; }; in { inherit (r) a b; }",
        "rec { a = 1; b = a + 1; }",
        "let a = 1; b = a + 1; in b",
        "let b = a + 1; a = 1; in b",
        "let port :: Int = 80; in { port :: Int = port; }",
        "let type Sku = \"Standard\" | \"Premium\"; sku :: Sku = \"Premium\"; in sku",
        "let s :: String | Null = null; t :: String | Null = \"x\"; in [ s t ]",
        "let type A = B; type B = Int; x :: A = 1; in x",
        "let isEven = n: if n == 0 then true else isOdd (n - 1); isOdd = n: if n == 0 then false else isEven (n - 1); in isEven 10",
        "let inherit (builtins) map filter; in map (x: x + 1) (filter (x: x > 1) [ 1 2 3 ])",
    ] {
        assert_clean(text);
    }
}

#[test]
fn functions_and_patterns() {
    for text in [
        "let f = x: x + 1; in f 2",
        "let f = x :: Int: x + 1; in f 2",
        "let f = { name, size ? 2, ... }: \"${name}-${toString size}\"; in f { name = \"a\"; extra = true; }",
        "let f = { name :: String, size :: Int ? 2 }: size; in f { name = \"a\"; }",
        "let f = { a, b ? a + 1 }: a + b; in f { a = 1; }",
        "let f = { a, b } @ args: args.a + b; in f { a = 1; b = 2; }",
        "let f = args @ { a, ... }: args; in f { a = 1; z = 2; }",
        "let add = a: b: a + b; in add 1 2",
        "let apply = f: x: f x; in apply (x: x + 1) 2",
        "let compose = f: g: x: f (g x); in compose (x: x + 1) (x: x * 2) 3",
        "let id = x: x; in [ (id 1) (id 2) ] == [ (stringLength (id \"a\")) ]",
        "let pair = a: b: { first = a; second = b; }; in [ (pair 1 \"a\").first (pair 2 \"b\").first ]",
    ] {
        assert_clean(text);
    }
}

#[test]
fn let_polymorphism() {
    for text in [
        "let id = x: x; in { a = id 1; b = id \"s\"; c = id [ true ]; }",
        "let optional = c: xs: if c then xs else [ ]; in { a = optional true [ 1 ]; b = optional false [ \"x\" ]; }",
        "let wrap = x: [ x ]; in (wrap 1) ++ (wrap 2)",
    ] {
        assert_clean(text);
    }
}

#[test]
fn control_flow_and_operators() {
    for text in [
        "if 1 < 2 then \"a\" else \"b\"",
        "if \"a\" < \"b\" && !false || true then 1 else 2",
        "if true then { a = 1; } else { a = 2; b = 3; }",
        "if true then null else \"x\"",
        "if true then [ ] else [ 1 ]",
        "assert 1 == 1; \"ok\"",
        "assert 1 == 1, \"must hold\"; \"ok\"",
        "1 + 2 * 3 - 4 / 2",
        "\"a\" + \"b\"",
        "./dir + \"/file\"",
        "\"prefix\" + ./file",
        "[ 1 ] ++ [ 2 ]",
        "{ a = 1; } // { b = 2; }",
        "({ a = 1; b = \"x\"; } // { b = 2; }).b + 1",
        "{ a = 1; } ? a",
        "let r = { a = { b = 1; }; }; in [ (r.a.b) (r.a.c or 2) (r.x.y or 3) ]",
        "let r = { a = 1; }; in r.\"a\"",
        "[ { a = 1; } { a = 2; b = \"x\"; } ]",
        "[ null 1 ]",
        "1 == \"a\"",
        "(x: x) == (x: x)",
        "{ a = 1; } != { }",
    ] {
        assert_clean(text);
    }
}

#[test]
fn annotations() {
    for text in [
        "1 :: Int",
        "[ 1 ] :: List Int",
        "{ a = 1; } :: { a: Int }",
        "{ a = 1; } :: { a: Int, b?: String }",
        "{ a = 1; z = 2; } :: { a: Int, ... }",
        "(x: x + 1) :: Int -> Int",
        "\"Premium\" :: \"Standard\" | \"Premium\"",
        "null :: String | Null",
        "(getAttr \"a\" { a = 1; }) :: Int",
        "let f :: { a: Int } -> Int = r: r.a; in f { a = 1; }",
        "let f :: Int -> Int -> Int = a: b: a + b; in f 1 2",
        "let f = x :: List Int: x; in f [ ]",
    ] {
        assert_clean(text);
    }
}

#[test]
fn gradual_corners() {
    for text in [
        // A computed string against a literal union is checked at run time.
        "let sku :: \"Standard\" | \"Premium\" = \"Stan${\"dard\"}\"; in sku",
        "let s = toUpper \"premium\"; t :: \"A\" | \"B\" = s; in t",
        // Values of type Any go anywhere.
        "let v = getAttr \"a\" { a = 1; }; in [ (v + 1) (v.x) (v 3) ]",
        "let r = attrValues { a = 1; }; in map (x: x.name) r",
        // Open records from builtins.
        "(removeAttrs { a = 1; b = 2; } [ \"a\" ]).b",
        "(mapAttrs (name: value: value) { a = 1; }).a + 1",
        // Unknown parameters are records when selected from.
        "let f = r: r.a + 1; in f { a = 1; b = 2; }",
        "let f = r: r // { x = 1; }; in (f { y = 2; }).x",
        // `throw` fits anywhere.
        "if true then 1 else throw \"never\"",
        "let x :: Int = throw \"todo\"; in x",
    ] {
        assert_clean(text);
    }
}

#[test]
fn every_builtin_in_use() {
    let text = r#"
let
  xs = [ 1 2 3 ];
  names = [ "a" "b" ];
  r = { a = 1; b = "x"; };
in {
  m = map (x: x * 2) xs;
  f = filter (x: x > 1) xs;
  fl = foldl (acc: x: acc + x) 0 xs;
  l = length xs;
  e = elem 2 xs;
  h = head names;
  t = tail xs;
  ea = elemAt names 1;
  rg = range 0 3;
  gl = genList (i: i * i) 4;
  cl = concatLists [ xs [ 4 ] ];
  cm = concatMap (x: [ x x ]) xs;
  an = any (x: x > 2) xs;
  al = all (x: x > 0) xs;
  nm = attrNames r;
  vs = attrValues r;
  ha = hasAttr "a" r;
  ga = getAttr "a" r;
  ra = removeAttrs r [ "a" ];
  ma = mapAttrs (name: value: name) r;
  la = listToAttrs [ { name = "k"; value = 1; } ];
  ts = toString 1;
  tj = toJSON r;
  sl = stringLength "abc";
  ss = substring 0 1 "abc";
  cs = concatStringsSep "," names;
  rs = replaceStrings [ "a" ] [ "b" ] "abc";
  sp = splitString "," "a,b";
  hp = hasPrefix "a" "abc";
  hs = hasSuffix "c" "abc";
  up = toUpper "a";
  lo = toLower "A";
  th = if false then throw "no" else 1;
  preds = [ (isNull null) (isInt 1) (isBool true) (isString "") (isList [ ]) (isAttrs { }) (isFunction (x: x)) (isPath ./a) ];
  to = typeOf 1;
  mn = min 1 2;
  mx = max 1 2;
  md = mod 7 2;
  ab = abs (-3);
  c1 = cidrSubnet "10.0.0.0/16" 8 1;
  c2 = cidrHost "10.0.0.0/24" 4;
  c3 = cidrContains "10.0.0.0/16" "10.0.1.0/24";
  c4 = cidrOverlaps "10.0.0.0/16" "10.1.0.0/16";
  c5 = cidrPrefixLength "10.0.0.0/16";
  viaRecord = builtins.map (x: x) xs;
}
"#;
    assert_clean(text);
}

#[test]
fn user_bindings_shadow_builtins() {
    assert_clean("let map = 3; in map + 1");
    assert_clean("let f = map: map.x; in f { x = 1; }");
}

#[test]
fn a_landing_zone() {
    let text = r#"
let
  type Sku = "Standard" | "Premium";
  type Subnet = { name: String, prefix: String, serviceEndpoints?: List String };

  location = "westeurope";
  tags = { owner = "platform"; costCenter = "1234"; };

  mkSubnet = { name, index, endpoints ? [ ] }: {
    inherit name;
    prefix = cidrSubnet "10.10.0.0/16" 8 index;
    serviceEndpoints = endpoints;
  };

  subnets :: List Subnet = [
    (mkSubnet { name = "batch"; index = 1; endpoints = [ "Microsoft.Storage" ]; })
    (mkSubnet { name = "endpoints"; index = 2; })
  ];

  pool = { vmSize, nodes ? 1, sku :: Sku ? "Standard", ... } @ args: {
    inherit vmSize nodes sku;
    name = args.name or "pool-${vmSize}";
    lowPriority = nodes > 10;
  };
in rec {
  network = {
    name = "vnet-${location}";
    addressSpace = "10.10.0.0/16";
    inherit subnets;
  };
  pools = [
    (pool { vmSize = "Standard_D2s_v3"; })
    (pool { vmSize = "Standard_D4s_v3"; nodes = 20; sku = "Premium"; name = "big"; })
  ];
  subnetNames = map (s: s.name) network.subnets;
  tagged = tags // { environment = "prod"; };
  check = assert length pools > 0, "at least one pool"; true;
}
"#;
    assert_clean(text);
}

#[test]
fn nullable_values_flow_without_flow_typing() {
    for text in [
        "let name :: String | Null = null; in if name != null then \"${name}\" else \"none\"",
        "let name :: String | Null = \"a\"; in if name == null then \"\" else name + \"!\"",
        "let r = if true then { a = 1; } else null; in if r != null then r.a else 0",
        "let name :: String | Null = \"a\"; in toUpper name",
        "let f = { description ? null }: description; in f { description = \"text\"; }",
    ] {
        assert_clean(text);
    }
}

#[test]
fn defaults_are_examples_not_limits() {
    for text in [
        "let f = { tags ? { } }: tags; in f { tags = { env = \"prod\"; }; }",
        "let f = { extra ? [ ] }: extra; in f { extra = [ { a = 1; } ]; }",
        "let f = { opts ? { a = 1; } }: opts; in f { opts = { b = 2; }; }",
    ] {
        assert_clean(text);
    }
}

#[test]
fn several_values_into_one_unknown_type_are_joined() {
    for text in [
        "map (s: s.name) [ { name = \"a\"; } { name = \"b\"; x = 1; } ]",
        "let id = x: x; in id (if true then { a = 1; } else { b = 2; })",
        "let id = x: x; in id [ { a = 1; } { a = 2; b = 3; } ]",
        "filter (p: p.enabled or true) [ { name = \"a\"; } { name = \"b\"; enabled = false; } ]",
    ] {
        assert_clean(text);
    }
}

#[test]
fn lists_may_mix_types() {
    for text in [
        "[ 1 \"a\" ]",
        "[ { a = 1; } [ { a = 2; } ] ]",
        "[ 1 ] ++ [ \"a\" ]",
        "let rg = resource { type = \"t\"; apiVersion = \"v\"; name = \"n\"; }; in [ rg [ rg ] ]",
    ] {
        assert_clean(text);
    }
}

#[test]
fn unknown_functions_accept_records_with_more_fields() {
    assert_clean("let mkAll = f: [ (f { a = 1; }) (f { a = 1; b = 2; }) ]; in mkAll (r: r.a)");
}

#[test]
fn deployment_context_strings_are_in_scope() {
    assert_clean("\"/subscriptions/${subscriptionId}/tenants/${tenantId}\"");
}
