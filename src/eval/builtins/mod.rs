//! The builtin functions, in scope by name and as fields of `builtins`.
//!
//! Each builtin has a fixed arity. The machine collects arguments (partial application makes a
//! [`Function::Builtin`](super::value::Function) holding those given so far) and calls the
//! builtin once all are there. Arguments arrive lazy: each builtin forces what it needs, so
//! `map`, `genList` and `mapAttrs` build lazy results and `throw` costs nothing until called.
//!
//! The implementations are split by theme: [`lists`], [`records`], [`strings`], [`values`]
//! (type tests, integers, `throw`, `toJSON`), and [`cidr`] (address arithmetic with `ipnet`).

mod cidr;
mod deploy;
mod lists;
mod records;
mod strings;
mod values;

use std::rc::Rc;

use super::error::{a, fail, Fallible};
use super::machine::Machine;
use super::value::{Arg, Function, Record, Thunk, Value};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;

macro_rules! builtins {
    ($( $variant:ident = $name:literal, $arity:literal, $implementation:path; )*) => {
        /// A builtin function.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Builtin { $($variant),* }

        impl Builtin {
            /// Every builtin, in the order of the language notes.
            pub const ALL: &'static [Builtin] = &[$(Builtin::$variant),*];

            /// The name the program uses.
            pub fn name(self) -> &'static str {
                match self { $(Builtin::$variant => $name),* }
            }

            /// How many arguments it takes before it runs.
            pub fn arity(self) -> usize {
                match self { $(Builtin::$variant => $arity),* }
            }

            /// Runs the builtin on exactly [`Builtin::arity`] arguments. Never inlined: this is
            /// a big dispatch that must not grow the frames of the machine's recursion.
            #[inline(never)]
            pub(crate) fn call(self, m: &mut Machine, args: &[Arg], call: Span) -> Fallible<Value> {
                match self { $(Builtin::$variant => $implementation(m, args, call)),* }
            }
        }
    };
}

builtins! {
    Map = "map", 2, lists::map;
    Filter = "filter", 2, lists::filter;
    Foldl = "foldl", 3, lists::foldl;
    Length = "length", 1, lists::length;
    Elem = "elem", 2, lists::elem;
    Head = "head", 1, lists::head;
    Tail = "tail", 1, lists::tail;
    ElemAt = "elemAt", 2, lists::elem_at;
    Range = "range", 2, lists::range;
    GenList = "genList", 2, lists::gen_list;
    ConcatLists = "concatLists", 1, lists::concat_lists;
    ConcatMap = "concatMap", 2, lists::concat_map;
    Any = "any", 2, lists::any;
    All = "all", 2, lists::all;
    AttrNames = "attrNames", 1, records::attr_names;
    AttrValues = "attrValues", 1, records::attr_values;
    HasAttr = "hasAttr", 2, records::has_attr;
    GetAttr = "getAttr", 2, records::get_attr;
    RemoveAttrs = "removeAttrs", 2, records::remove_attrs;
    MapAttrs = "mapAttrs", 2, records::map_attrs;
    ListToAttrs = "listToAttrs", 1, records::list_to_attrs;
    ToString = "toString", 1, strings::to_string;
    ToJson = "toJSON", 1, values::to_json;
    StringLength = "stringLength", 1, strings::string_length;
    Substring = "substring", 3, strings::substring;
    ConcatStringsSep = "concatStringsSep", 2, strings::concat_strings_sep;
    ReplaceStrings = "replaceStrings", 3, strings::replace_strings;
    SplitString = "splitString", 2, strings::split_string;
    HasPrefix = "hasPrefix", 2, strings::has_prefix;
    HasSuffix = "hasSuffix", 2, strings::has_suffix;
    ToUpper = "toUpper", 1, strings::to_upper;
    ToLower = "toLower", 1, strings::to_lower;
    Throw = "throw", 1, values::throw;
    IsNull = "isNull", 1, values::is_null;
    IsInt = "isInt", 1, values::is_int;
    IsBool = "isBool", 1, values::is_bool;
    IsString = "isString", 1, values::is_string;
    IsList = "isList", 1, values::is_list;
    IsAttrs = "isAttrs", 1, values::is_attrs;
    IsFunction = "isFunction", 1, values::is_function;
    IsPath = "isPath", 1, values::is_path;
    TypeOf = "typeOf", 1, values::type_of;
    Min = "min", 2, values::min;
    Max = "max", 2, values::max;
    Mod = "mod", 2, values::modulo;
    Abs = "abs", 1, values::abs;
    CidrSubnet = "cidrSubnet", 3, cidr::subnet;
    CidrHost = "cidrHost", 2, cidr::host;
    CidrContains = "cidrContains", 2, cidr::contains;
    CidrOverlaps = "cidrOverlaps", 2, cidr::overlaps;
    CidrPrefixLength = "cidrPrefixLength", 1, cidr::prefix_length;
    Resource = "resource", 1, deploy::resource;
    Ref = "ref", 2, deploy::reference;
    Param = "param", 1, deploy::param;
    Guid = "guid", 1, deploy::guid;
}

impl Builtin {
    /// Whether the builtin records a declaration, which needs to know where it was called from.
    pub fn declares(self) -> bool {
        matches!(self, Builtin::Resource | Builtin::Param)
    }
}

impl Builtin {
    pub fn lookup(name: &str) -> Option<Builtin> {
        Builtin::ALL.iter().copied().find(|b| b.name() == name)
    }

    /// The builtin as a value, with no arguments yet.
    pub fn value(self) -> Value {
        Value::Function(Rc::new(Function::Builtin {
            op: self,
            args: Vec::new(),
        }))
    }
}

/// The `builtins` record: every builtin by name.
pub fn builtins_record() -> Value {
    let mut record = Record::with_capacity(Builtin::ALL.len());
    for builtin in Builtin::ALL {
        record.fields.insert(
            super::symbol::Sym::intern(builtin.name()),
            Thunk::ready(builtin.value()),
        );
    }
    Value::Record(Rc::new(record))
}

// Argument access: force argument `i` and insist on its type.

fn ordinal(i: usize) -> &'static str {
    ["first", "second", "third"]
        .get(i)
        .copied()
        .unwrap_or("next")
}

fn wrong_argument(name: &str, i: usize, expected: &str, found: &Value, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::RuntimeTypeError,
        format!(
            "`{name}` expects {} as its {} argument, but got {}",
            a(expected),
            ordinal(i),
            a(found.type_name())
        ),
        span,
        format!("this is {}", a(found.type_name())),
    )
}

fn int(m: &mut Machine, args: &[Arg], i: usize, name: &str) -> Fallible<i64> {
    match m.force(&args[i].thunk)? {
        Value::Int(n) => Ok(n),
        other => fail(wrong_argument(name, i, "Int", &other, args[i].span)),
    }
}

fn string(m: &mut Machine, args: &[Arg], i: usize, name: &str) -> Fallible<Rc<str>> {
    match m.force(&args[i].thunk)? {
        Value::Str(s) => Ok(s),
        other => fail(wrong_argument(name, i, "String", &other, args[i].span)),
    }
}

fn list(m: &mut Machine, args: &[Arg], i: usize, name: &str) -> Fallible<Rc<[Thunk]>> {
    match m.force(&args[i].thunk)? {
        Value::List(items) => Ok(items),
        other => fail(wrong_argument(name, i, "List", &other, args[i].span)),
    }
}

fn record(m: &mut Machine, args: &[Arg], i: usize, name: &str) -> Fallible<Rc<Record>> {
    match m.force(&args[i].thunk)? {
        Value::Record(r) => Ok(r),
        other => fail(wrong_argument(name, i, "Record", &other, args[i].span)),
    }
}

fn function(m: &mut Machine, args: &[Arg], i: usize, name: &str) -> Fallible<Value> {
    match m.force(&args[i].thunk)? {
        f @ Value::Function(_) => Ok(f),
        other => fail(wrong_argument(name, i, "Function", &other, args[i].span)),
    }
}

fn boolean(value: Value, name: &str, span: Span) -> Fallible<bool> {
    match value {
        Value::Bool(b) => Ok(b),
        other => fail(Diagnostic::new(
            Code::RuntimeTypeError,
            format!(
                "the function given to `{name}` must return a Bool, but returned {}",
                a(other.type_name())
            ),
            span,
            "in this call",
        )),
    }
}

/// An argument outside what the builtin accepts (a negative length, mismatched lists, ...).
fn invalid(message: String, span: Span, label: &str) -> Diagnostic {
    Diagnostic::new(Code::InvalidBuiltinArgument, message, span, label)
}

/// An element `item` of a list to pass on to a function, pointing at the call for errors.
fn arg(thunk: &Thunk, span: Span) -> Arg {
    Arg {
        thunk: thunk.clone(),
        span,
    }
}
