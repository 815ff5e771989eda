//! List builtins. `map` and `genList` are lazy in their items, like Nix; `foldl` is strict in
//! its accumulator (Nix's `foldl'`), so folding a long list never builds a deep chain of thunks.

use super::{arg, boolean, function, int, invalid, list, Arg};
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::error::traced;
use crate::eval::error::{fail, Fallible};
use crate::eval::machine::Machine;
use crate::eval::ops::equal;
use crate::eval::value::{Application, State, Thunk, Value};
use crate::source::Span;

pub fn map(m: &mut Machine, args: &[Arg], call: Span) -> Fallible<Value> {
    let f = function(m, args, 0, "map")?;
    let items = list(m, args, 1, "map")?;
    Ok(Value::list(
        items
            .iter()
            .map(|item| {
                Thunk::lazy(State::Apply(Box::new(Application {
                    func: f.clone(),
                    arg: item.clone(),
                    arg2: None,
                    span: call,
                })))
            })
            .collect(),
    ))
}

pub fn filter(m: &mut Machine, args: &[Arg], call: Span) -> Fallible<Value> {
    let f = function(m, args, 0, "filter")?;
    let items = list(m, args, 1, "filter")?;
    let mut kept = Vec::new();
    for item in items.iter() {
        let keep = m.apply(&f, arg(item, call), call).map_err(traced(call))?;
        if boolean(keep, "filter", call)? {
            kept.push(item.clone());
        }
    }
    Ok(Value::list(kept))
}

pub fn foldl(m: &mut Machine, args: &[Arg], call: Span) -> Fallible<Value> {
    let f = function(m, args, 0, "foldl")?;
    let items = list(m, args, 2, "foldl")?;
    let mut acc = m.force(&args[1].thunk)?;
    for item in items.iter() {
        let step = m.apply2(&f, arg(&Thunk::ready(acc), call), arg(item, call), call);
        acc = step.map_err(traced(call))?;
    }
    Ok(acc)
}

pub fn length(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    Ok(Value::Int(list(m, args, 0, "length")?.len() as i64))
}

pub fn elem(m: &mut Machine, args: &[Arg], call: Span) -> Fallible<Value> {
    let needle = m.force(&args[0].thunk)?;
    let items = list(m, args, 1, "elem")?;
    for item in items.iter() {
        let item = m.force(item)?;
        if equal(m, &needle, &item, call)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn empty_list(name: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::EmptyList,
        format!("`{name}` of an empty list"),
        span,
        "this list is empty",
    )
    .with_help("check `length xs > 0` first, or match on `xs == [ ]`")
}

pub fn head(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let items = list(m, args, 0, "head")?;
    match items.first() {
        Some(first) => m.force(first),
        None => fail(empty_list("head", args[0].span)),
    }
}

pub fn tail(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let items = list(m, args, 0, "tail")?;
    if items.is_empty() {
        return fail(empty_list("tail", args[0].span));
    }
    Ok(Value::list(items[1..].to_vec()))
}

pub fn elem_at(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let items = list(m, args, 0, "elemAt")?;
    let index = int(m, args, 1, "elemAt")?;
    match usize::try_from(index).ok().and_then(|i| items.get(i)) {
        Some(item) => m.force(item),
        None => fail(
            Diagnostic::new(
                Code::IndexOutOfRange,
                format!(
                    "index {index} is out of range for a list of {} item{}",
                    items.len(),
                    if items.len() == 1 { "" } else { "s" }
                ),
                args[1].span,
                "this index",
            )
            .with_label(args[0].span, format!("this list has {} items", items.len()))
            .with_note("indices start at 0"),
        ),
    }
}

/// The most items `range` and `genList` will make: more is surely a mistake, and would exhaust
/// memory before failing.
const MAX_GENERATED: i64 = 10_000_000;

pub fn range(m: &mut Machine, args: &[Arg], call: Span) -> Fallible<Value> {
    let start = int(m, args, 0, "range")?;
    let end = int(m, args, 1, "range")?;
    if end.saturating_sub(start) > MAX_GENERATED {
        return fail(invalid(
            format!("`range {start} {end}` would make more than {MAX_GENERATED} items"),
            call,
            "too many items",
        ));
    }
    Ok(Value::list(
        (start..end.max(start))
            .map(|n| Thunk::ready(Value::Int(n)))
            .collect(),
    ))
}

pub fn gen_list(m: &mut Machine, args: &[Arg], call: Span) -> Fallible<Value> {
    let f = function(m, args, 0, "genList")?;
    let count = int(m, args, 1, "genList")?;
    if !(0..=MAX_GENERATED).contains(&count) {
        return fail(invalid(
            format!("`genList` cannot make {count} items"),
            args[1].span,
            "the length must be between 0 and 10000000",
        ));
    }
    Ok(Value::list(
        (0..count)
            .map(|n| {
                Thunk::lazy(State::Apply(Box::new(Application {
                    func: f.clone(),
                    arg: Thunk::ready(Value::Int(n)),
                    arg2: None,
                    span: call,
                })))
            })
            .collect(),
    ))
}

pub fn concat_lists(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let outer = list(m, args, 0, "concatLists")?;
    let mut all = Vec::new();
    for inner in outer.iter() {
        match m.force(inner)? {
            Value::List(items) => all.extend(items.iter().cloned()),
            other => return fail(not_a_list("concatLists", &other, args[0].span)),
        }
    }
    Ok(Value::list(all))
}

pub fn concat_map(m: &mut Machine, args: &[Arg], call: Span) -> Fallible<Value> {
    let f = function(m, args, 0, "concatMap")?;
    let items = list(m, args, 1, "concatMap")?;
    let mut all = Vec::new();
    for item in items.iter() {
        match m.apply(&f, arg(item, call), call).map_err(traced(call))? {
            Value::List(produced) => all.extend(produced.iter().cloned()),
            other => return fail(not_a_list("concatMap", &other, call)),
        }
    }
    Ok(Value::list(all))
}

fn not_a_list(name: &str, found: &Value, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::RuntimeTypeError,
        format!(
            "`{name}` needs lists to concatenate, but found {}",
            crate::eval::error::a(found.type_name())
        ),
        span,
        "here",
    )
}

pub fn any(m: &mut Machine, args: &[Arg], call: Span) -> Fallible<Value> {
    quantify(m, args, call, "any", true)
}

pub fn all(m: &mut Machine, args: &[Arg], call: Span) -> Fallible<Value> {
    quantify(m, args, call, "all", false)
}

/// `any` stops at the first `true`, `all` at the first `false`: `stop_on` is that value.
fn quantify(
    m: &mut Machine,
    args: &[Arg],
    call: Span,
    name: &str,
    stop_on: bool,
) -> Fallible<Value> {
    let f = function(m, args, 0, name)?;
    let items = list(m, args, 1, name)?;
    for item in items.iter() {
        let answer = m.apply(&f, arg(item, call), call).map_err(traced(call))?;
        if boolean(answer, name, call)? == stop_on {
            return Ok(Value::Bool(stop_on));
        }
    }
    Ok(Value::Bool(!stop_on))
}
