#!/usr/bin/env python3
"""Generates the benchmark workloads into a folder (argument 1).

- bindings.sbl: 10,000 let bindings, each a record built from an earlier one, with strings,
  lists and arithmetic; the body sums all of them, so parse, check and evaluation see every one.
- records.sbl / records.nix: the same program in .sbl and in Nix: map a function over 1,000 items
  building 6 nested records each (6,000 records) with interpolation, `//` merges and arithmetic,
  printed as JSON.
- resources-N.sbl: a program declaring N raw resources (build benchmark).
"""
import os
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

n = 10_000
lines = ["let", "  b0 = { v = 0; name = \"n0\"; tags = [ \"a\" ]; };"]
for i in range(1, n):
    # Each binding reads one earlier binding (half its index): dependencies are wide, not a
    # 10,000-deep chain, as in real programs.
    lines.append(
        f"  b{i} = {{ v = b{i // 2}.v + {i % 7}; name = \"n${{toString {i}}}\"; tags = [ \"t{i % 13}\" ]; }};"
    )
lines.append("in foldl (sum: b: sum + b.v) 0 [ " + " ".join(f"b{i}" for i in range(n)) + " ]")
with open(os.path.join(out, "bindings.sbl"), "w") as f:
    f.write("\n".join(lines) + "\n")

# simple.sbl: 10,000 one-line bindings (`bN = bM + k;`), the body sums them all.
lines = ["let", "  s0 = 1;"] + [f"  s{i} = s{i // 2} + {i % 7};" for i in range(1, n)]
lines.append("in foldl (sum: x: sum + x) 0 [ " + " ".join(f"s{i}" for i in range(n)) + " ]")
with open(os.path.join(out, "simple.sbl"), "w") as f:
    f.write("\n".join(lines) + "\n")

ITEM_SBL = """let
  base = { tags = { owner = "risk"; env = "dev"; }; sku = { tier = "Standard"; }; };
  pool = i: {
    name = "pool-${toString i}";
    nodes = i * 2 + 1;
    network = {
      subnet = "10.${toString (i / 4)}.${toString (i - (i / 4) * 4)}.0/26";
      nsg = { name = "nsg-${toString i}"; priority = 100 + i; };
    };
    tags = base.tags // { index = "i${toString i}"; cost = "cc-${toString (i / 10)}"; };
    disks = base.sku // { os = { sizeGb = 64 + i; encrypted = true; }; };
  };
in genList pool 1000
"""
ITEM_NIX = ITEM_SBL.replace("genList pool 1000", "builtins.genList pool 1000").replace("toString", "builtins.toString")
with open(os.path.join(out, "records.sbl"), "w") as f:
    f.write(ITEM_SBL)
with open(os.path.join(out, "records.nix"), "w") as f:
    f.write(ITEM_NIX)

# Type checker workloads that a quadratic path would show: 1,000 and 10,000 bindings of the
# generated file above (their times' ratio should stay near 10), 10,000 records with distinct
# fields, 5,000 bindings with two unknown names each (did-you-mean for every one).
with open(os.path.join(out, "bindings.sbl")) as f:
    full = f.read().splitlines()
small = full[:1001] + ["in foldl (sum: b: sum + b.v) 0 [ " + " ".join(f"b{i}" for i in range(1000)) + " ]"]
with open(os.path.join(out, "bindings-1000.sbl"), "w") as f:
    f.write("\n".join(small) + "\n")
with open(os.path.join(out, "distinct-fields.sbl"), "w") as f:
    f.write("[ " + " ".join(f"{{ f{i} = {i}; }}" for i in range(10_000)) + " ]\n")
with open(os.path.join(out, "unknown-names.sbl"), "w") as f:
    f.write("let\n" + "".join(f"  value{i} = valu{i} + missing;\n" for i in range(5_000)) + "in value0\n")

# resources-N.sbl: N raw resources (virtual networks with NSGs referring to each other), for the
# build benchmark; linear growth is checked with N = 100, 250, 500, 1000.
for count in (100, 250, 500, 1000):
    lines = ["let", '  loc = "westeurope";']
    lines.append("  nsg = i: resource { type = \"Microsoft.Network/networkSecurityGroups\"; apiVersion = \"2024-05-01\"; "
                 "name = \"nsg-${toString i}\"; location = loc; properties.securityRules = [ ]; };")
    lines.append("  vnet = i: resource { type = \"Microsoft.Network/virtualNetworks\"; apiVersion = \"2024-05-01\"; "
                 "name = \"vnet-${toString i}\"; location = loc; properties = { addressSpace.addressPrefixes = [ (cidrSubnet \"10.0.0.0/8\" 16 i) ]; "
                 "subnets = [ { name = \"s\"; properties = { addressPrefix = cidrSubnet (cidrSubnet \"10.0.0.0/8\" 16 i) 2 0; networkSecurityGroup.id = (nsg i).id; }; } ]; }; };")
    lines.append(f"in {{ resources = genList (i: vnet i) {count // 2}; }}")
    with open(os.path.join(out, f"resources-{count}.sbl"), "w") as f:
        f.write("\n".join(lines) + "\n")
