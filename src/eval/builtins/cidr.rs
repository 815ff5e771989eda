//! CIDR builtins for address planning, with the semantics of Terraform's `cidrsubnet` and
//! `cidrhost`, for IPv4 and IPv6. Parsing, truncation, containment and formatting are `ipnet`'s;
//! the only arithmetic here is adding an offset to a network address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use ipnet::IpNet;

use super::{int, string, Arg};
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::error::{fail, Fallible};
use crate::eval::machine::Machine;
use crate::eval::value::Value;
use crate::source::Span;

fn cidr_error(message: String, span: Span, label: &str) -> Diagnostic {
    Diagnostic::new(Code::InvalidCidr, message, span, label)
}

/// Parses a prefix such as `10.0.0.0/16`; host bits are allowed and dropped (`10.1.2.3/16` is
/// `10.1.0.0/16`), as in Terraform.
fn prefix(m: &mut Machine, args: &[Arg], i: usize, name: &str) -> Fallible<IpNet> {
    let text = string(m, args, i, name)?;
    match IpNet::from_str(text.trim()) {
        Ok(net) => Ok(net.trunc()),
        Err(_) => fail(
            cidr_error(
                format!("`{name}`: \"{text}\" is not a CIDR prefix"),
                args[i].span,
                "not a CIDR prefix",
            )
            .with_help(
                "write an address and a prefix length, like \"10.0.0.0/16\" or \"fd00::/48\"",
            ),
        ),
    }
}

fn to_bits(address: IpAddr) -> u128 {
    match address {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// The address `offset` past the network address of `net` (the caller keeps it inside `net`).
fn offset_address(net: &IpNet, offset: u128) -> IpAddr {
    let bits = to_bits(net.network()).wrapping_add(offset);
    match net {
        IpNet::V4(_) => IpAddr::V4(Ipv4Addr::from(bits as u32)),
        IpNet::V6(_) => IpAddr::V6(Ipv6Addr::from(bits)),
    }
}

/// How many addresses `bits` host bits give, if it fits in a u128 (it does not for a /0 IPv6).
fn size(bits: u8) -> Option<u128> {
    1u128.checked_shl(u32::from(bits))
}

/// `cidrSubnet prefix newbits netnum`: the `netnum`th subnet of `prefix` with `newbits` more
/// prefix bits. `cidrSubnet "10.0.0.0/16" 8 2` is `"10.0.2.0/24"`.
pub fn subnet(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let net = prefix(m, args, 0, "cidrSubnet")?;
    let newbits = int(m, args, 1, "cidrSubnet")?;
    let netnum = int(m, args, 2, "cidrSubnet")?;
    let room = net.max_prefix_len() - net.prefix_len();
    let newbits = match u8::try_from(newbits) {
        Ok(n) if n <= room => n,
        _ => {
            return fail(cidr_error(
                format!(
                    "cannot extend {net} by {newbits} bits: it has {room} bits left (the prefix length can be at most {})",
                    net.max_prefix_len()
                ),
                args[1].span,
                format!("must be between 0 and {room}").as_str(),
            ))
        }
    };
    let count = size(newbits);
    let in_range = u128::try_from(netnum)
        .ok()
        .filter(|n| !matches!(count, Some(c) if *n >= c));
    let Some(netnum) = in_range else {
        return fail(
            cidr_error(
                format!("{net} has no subnet number {netnum} of {newbits} more bits",),
                args[2].span,
                "out of range",
            )
            .with_note(match count {
                Some(c) => format!(
                    "with {newbits} new bits the subnet numbers are 0 to {}",
                    c - 1
                ),
                None => "subnet numbers cannot be negative".to_string(),
            }),
        );
    };
    let new_len = net.prefix_len() + newbits;
    let shift = u32::from(net.max_prefix_len() - new_len);
    let offset = netnum.checked_shl(shift).unwrap_or(0);
    match IpNet::new(offset_address(&net, offset), new_len) {
        Ok(subnet) => Ok(Value::string(subnet.to_string())),
        Err(_) => fail(cidr_error(
            format!("cannot make a /{new_len} subnet of {net}"),
            args[1].span,
            "invalid prefix length",
        )),
    }
}

/// `cidrHost prefix hostnum`: the address of host `hostnum` in `prefix` (negative numbers count
/// back from the last address). `cidrHost "10.0.1.0/24" 5` is `"10.0.1.5"`.
pub fn host(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let net = prefix(m, args, 0, "cidrHost")?;
    let hostnum = int(m, args, 1, "cidrHost")?;
    let count = size(net.max_prefix_len() - net.prefix_len());
    let offset = if hostnum >= 0 {
        let n = hostnum as u128;
        (!matches!(count, Some(c) if n >= c)).then_some(n)
    } else {
        let back = hostnum.unsigned_abs() as u128;
        match count {
            Some(c) => c.checked_sub(back),
            None => Some(u128::MAX - (back - 1)),
        }
    };
    match offset {
        Some(offset) => Ok(Value::string(offset_address(&net, offset).to_string())),
        None => fail(
            cidr_error(
                format!("{net} has no host number {hostnum}"),
                args[1].span,
                "out of range",
            )
            .with_note(match count {
                Some(c) => format!(
                    "{net} has {c} addresses: host numbers 0 to {}, or -1 to -{c} from the end",
                    c - 1
                ),
                None => format!("{net} is the whole address space"),
            }),
        ),
    }
}

/// An address or a prefix, for `cidrContains`.
fn address_or_prefix(m: &mut Machine, args: &[Arg], i: usize, name: &str) -> Fallible<IpNet> {
    let text = string(m, args, i, name)?;
    let text = text.trim();
    if let Ok(address) = IpAddr::from_str(text) {
        return Ok(IpNet::from(address));
    }
    match IpNet::from_str(text) {
        Ok(net) => Ok(net.trunc()),
        Err(_) => fail(cidr_error(
            format!("`{name}`: \"{text}\" is neither an IP address nor a CIDR prefix"),
            args[i].span,
            "not an address or prefix",
        )),
    }
}

/// `cidrContains prefix x`: whether the address or prefix `x` lies wholly inside `prefix`.
pub fn contains(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let net = prefix(m, args, 0, "cidrContains")?;
    let inner = address_or_prefix(m, args, 1, "cidrContains")?;
    Ok(Value::Bool(net.contains(&inner)))
}

/// `cidrOverlaps a b`: whether the prefixes share any address.
pub fn overlaps(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let a = prefix(m, args, 0, "cidrOverlaps")?;
    let b = prefix(m, args, 1, "cidrOverlaps")?;
    Ok(Value::Bool(a.contains(&b) || b.contains(&a)))
}

pub fn prefix_length(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let net = prefix(m, args, 0, "cidrPrefixLength")?;
    Ok(Value::Int(i64::from(net.prefix_len())))
}
