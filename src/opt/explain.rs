//! `explain(a)`, `--explain` and `:explain`: a plan as text, one node a line in
//! the order they run, with each fused kernel's program spelled out.

use super::distribute::{self, Exchange, Mode, Placed, Placement, Step};
use super::plan::{Expr, KKind, Kernel, Plan};
use super::Bindings;
use crate::dist::{layout, show_bytes};
use crate::graph::node::State;
use crate::graph::{shape, Array, DType, Op, SliceElem, View};

/// The plan that computing `root` would run, as optimized (or not) by the
/// current settings; the plans of its pending leaves follow, indented.
pub fn explain(root: &Array) -> String {
    if root.is_computed() {
        return format!("computed {} {}", shape::show(&root.shape), root.dtype.name());
    }
    if !super::is_region_op(root) {
        let mut out = format!("{} -> {} {}", root.describe(), shape::show(&root.shape), root.dtype.name());
        if let Some(moved) = redistribution(root) {
            out.push_str(&format!("\ncommunication:\n  {moved}"));
        }
        nested(&root.inputs(), &mut out);
        return out;
    }
    let (plan, bindings) = super::optimize(root);
    let mut out = render(&plan, Some(&bindings));
    // Pending leaves with inputs of their own have plans worth showing.
    let pending: Vec<Array> = bindings.leaves.iter().filter(|l| !l.inputs().is_empty()).cloned().collect();
    nested(&pending, &mut out);
    out
}

/// What a pending `redistribute` of `root` sends, on several ranks.
fn redistribution(root: &Array) -> Option<String> {
    let size = crate::dist::nranks();
    let state = root.state.borrow();
    let State::Pending(Op::Redistribute(source)) = &*state else { return None };
    if size < 2 {
        return None;
    }
    let bytes = distribute::bytes_moved(&root.shape, root.dtype, &source.layout, &root.layout, size);
    Some(format!(
        "redistribute: from ({}) to ({}), one all-to-all; sent: {}",
        codes(&source.layout),
        codes(&root.layout),
        per_rank(&bytes, None)
    ))
}

/// A layout's distribution codes, as `dist=` spells them.
fn codes(layout: &crate::dist::Layout) -> String {
    layout.axes.iter().map(|a| format!("\"{}\"", a.code())).collect::<Vec<_>>().join(", ")
}

fn nested(arrays: &[Array], out: &mut String) {
    for a in arrays.iter().filter(|a| !a.is_computed()) {
        out.push_str(&format!("\n  plan of {} {}:", shape::show(&a.shape), a.dtype.name()));
        for line in explain(a).lines() {
            out.push_str("\n    ");
            out.push_str(line);
        }
    }
}

/// The text of `plan`; `bindings` name the leaves. On several ranks it says
/// where each value is and what the ranks send each other (spec 7.9).
pub fn render(plan: &Plan, bindings: Option<&Bindings>) -> String {
    let kernels = plan.live().iter().filter(|&&id| matches!(plan.nodes[id].expr, Expr::Kernel(_))).count();
    let mut out =
        format!("plan: {} nodes, {} fused kernel{}", plan.live().len(), kernels, if kernels == 1 { "" } else { "s" });
    let size = crate::dist::nranks();
    let placement = bindings.filter(|_| size > 1).map(|b| (b, distribute::place(plan, b)));
    match &placement {
        Some((_, Some(_))) => out.push_str(&format!(", placed over {size} ranks")),
        Some((_, None)) => out.push_str(&format!(", run whole on each of {size} ranks (a node has no split form)")),
        None => {}
    }
    for id in plan.live() {
        let node = &plan.nodes[id];
        let result = format!("{} {}", shape::show(&node.shape), node.dtype.name());
        let args = |ids: Vec<usize>| ids.iter().map(|i| format!("%{i}")).collect::<Vec<_>>().join(", ");
        let line = match &node.expr {
            Expr::Leaf(k) => {
                let what = bindings.map_or_else(|| "array".to_string(), |b| b.leaves[*k].describe());
                format!("input {k} ({what})")
            }
            Expr::Const(s) => format!("const {}", show_scalar(s.to_f64(), node.dtype)),
            Expr::Unary(f, _) => format!("{} {}", name(&format!("{f:?}")), args(node.expr.inputs())),
            Expr::Binary { f, .. } => format!("{} {}", name(&format!("{f:?}")), args(node.expr.inputs())),
            Expr::Where { .. } => format!("where {}", args(node.expr.inputs())),
            Expr::Cast(_) => format!("cast {}", args(node.expr.inputs())),
            Expr::View(v, a) => format!("view {} %{a}", show_view(v)),
            Expr::Reduce { f, axes, input } => {
                format!("reduce {} over axes {axes:?} of %{input}", f.builtin_name())
            }
            Expr::Update { elems, input, value } => {
                format!("update %{input} at {} with %{value}", show_view(&View::Slice(elems.clone())))
            }
            Expr::Kernel(k) => kernel_header(k, &args(k.inputs.clone())),
            Expr::Output { kernel, index } => format!("result {index} of %{kernel}"),
            Expr::Dead => "dead".to_string(),
        };
        let mark = match node.materialize {
            Some(why) if id != plan.root => format!(" (materialized: {})", why.reason()),
            _ => String::new(),
        };
        let place = match &placement {
            Some((b, placed)) => format!(" [{}]", where_is(plan, b, placed.as_ref(), id)),
            None => String::new(),
        };
        out.push_str(&format!("\n%{id} = {line} -> {result}{mark}{place}"));
        if let Expr::Kernel(k) = &node.expr {
            for (t, op) in k.ops.iter().enumerate() {
                out.push_str(&format!("\n    t{t} = {} : {}", kernel_op(&op.kind, &k.inputs), op.dtype.name()));
            }
        }
    }
    if let Some((b, placed)) = &placement {
        let steps = distribute::exchanges(plan, b, placed.as_ref(), size);
        out.push_str(if steps.is_empty() { "\ncommunication: none" } else { "\ncommunication:" });
        for step in steps {
            out.push_str(&format!("\n  {}", show_exchange(&step)));
        }
    }
    out
}

/// Where node `id`'s value is on the ranks.
fn where_is(plan: &Plan, bindings: &Bindings, placed: Option<&Placed>, id: usize) -> &'static str {
    let Some(placed) = placed else {
        return match plan.nodes[id].expr {
            Expr::Leaf(k) if bindings.leaves[k].is_dealt_out() => "dealt out, joined whole",
            Expr::Leaf(k) if bindings.leaves[k].is_held_split() => "split by rows, joined whole",
            _ => "whole on every rank",
        };
    };
    match (&plan.nodes[id].expr, &placed.steps[id]) {
        (Expr::Leaf(k), _) if layout::cycle_of(&bindings.leaves[*k].shape, &bindings.leaves[*k].layout).is_some() => {
            "dealt out cyclically, moved into rows"
        }
        (Expr::Leaf(k), _) if layout::tiles(&bindings.leaves[*k].shape, &bindings.leaves[*k].layout) => {
            "in tiles, moved into rows"
        }
        (Expr::Leaf(_), _) if placed.split[id] => "split by rows",
        (Expr::Leaf(_), _) => "whole on every rank",
        (_, Some(Step::Kernel(_, Mode::Rows | Mode::Update) | Step::Dense(Placement::Rows))) => {
            "each rank its own rows"
        }
        (_, Some(Step::Kernel(_, Mode::Combine(_)) | Step::Dense(Placement::Combined))) => {
            "partial results combined, whole on every rank"
        }
        (_, Some(Step::Dense(Placement::Picked))) => "sent by the owner of its row, whole on every rank",
        _ => "whole on every rank",
    }
}

fn show_exchange(step: &Exchange) -> String {
    match step {
        Exchange::Halo { reader, input, rows_sent, bytes_sent } => format!(
            "halo: %{reader} reads rows of %{input} owned by other ranks (one all-to-all); sent: {}",
            per_rank(bytes_sent, Some(rows_sent))
        ),
        Exchange::Combine { node, values, bytes_sent } => format!(
            "combine: each rank sends its partial result of %{node} ({values} value{}) to every other rank; sent: {}",
            if *values == 1 { "" } else { "s" },
            per_rank(bytes_sent, None)
        ),
        Exchange::IntoRows { input, bytes_sent } => format!(
            "redistribute: %{input} moves from its placement into rows for this plan (one all-to-all); sent: {}",
            per_rank(bytes_sent, None)
        ),
        Exchange::Pick { node, input, bytes_sent } => format!(
            "pick: the rank owning the row of %{input} that %{node} picks sends it to every other rank; sent: {}",
            per_rank(bytes_sent, None)
        ),
        Exchange::Join { input, bytes_sent } => {
            format!("join: every rank gathers all of %{input} (one all-gather); sent: {}", per_rank(bytes_sent, None))
        }
    }
}

/// What each rank sends: once when every rank sends the same.
fn per_rank(bytes: &[usize], rows: Option<&[usize]>) -> String {
    let one = |q: usize| match rows {
        Some(rows) => {
            format!("{} row{}, {}", rows[q], if rows[q] == 1 { "" } else { "s" }, show_bytes(bytes[q] as u64))
        }
        None => show_bytes(bytes[q] as u64),
    };
    if bytes.windows(2).all(|w| w[0] == w[1]) && rows.is_none_or(|r| r.windows(2).all(|w| w[0] == w[1])) {
        format!("{} by each rank", one(0))
    } else {
        (0..bytes.len()).map(|q| format!("rank {q} {}", one(q))).collect::<Vec<_>>().join("; ")
    }
}

fn kernel_header(k: &Kernel, inputs: &str) -> String {
    let computed = k.ops.iter().filter(|op| !matches!(op.kind, KKind::Load { .. } | KKind::Const(_))).count();
    let reduce = match (&k.reduce, &k.update) {
        (Some((f, axes)), _) => {
            let more: String = k.extra.iter().map(|(g, op, _)| format!(", {} of t{op}", g.builtin_name())).collect();
            let first = if k.extra.is_empty() { String::new() } else { format!(" of t{}", k.result_op()) };
            let then = match &k.then {
                Some((g, then)) => format!(", then {} of that over its axes {then:?}", g.builtin_name()),
                None => String::new(),
            };
            format!(", then {}{first}{more} over axes {axes:?}{then}", f.builtin_name())
        }
        (_, Some(elems)) => format!(
            ", written into %{} at {}",
            k.inputs.last().expect("the updated array"),
            show_view(&View::Slice(elems.clone()))
        ),
        _ => String::new(),
    };
    format!(
        "kernel({inputs}) over {}: {computed} fused ops{reduce}, one pass in chunks of {} elements",
        shape::show(&k.shape),
        super::plan::CHUNK
    )
}

fn kernel_op(kind: &KKind, inputs: &[usize]) -> String {
    match kind {
        KKind::Load { input, views } => {
            let seen: Vec<String> = views.iter().map(show_view).collect();
            if seen.is_empty() {
                format!("load %{}", inputs[*input])
            } else {
                format!("load %{} via {}", inputs[*input], seen.join(" | "))
            }
        }
        KKind::Const(v) => format!("const {}", show_scalar(*v, DType::Float64)),
        KKind::Unary(f, a) => format!("{} t{a}", name(&format!("{f:?}"))),
        KKind::Binary(f, _, a, b) => format!("{} t{a}, t{b}", name(&format!("{f:?}"))),
        KKind::Where(c, a, b) => format!("where t{c}, t{a}, t{b}"),
        KKind::Convert(a) => format!("convert t{a}"),
    }
}

/// An operation's name in snake case, from its `Debug` spelling (`NormCdf` → `norm_cdf`).
fn name(debug: &str) -> String {
    let mut out = String::new();
    for (i, c) in debug.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

fn show_scalar(v: f64, dtype: DType) -> String {
    match dtype {
        DType::Bool => (v != 0.0).to_string(),
        DType::Int32 | DType::Int64 => format!("{}", v as i64),
        _ if v == v.trunc() && v.abs() < 1e15 => format!("{v:.1}"),
        _ => format!("{v}"),
    }
}

/// A slice the way it is written: `1:-1`, `::2`, `newaxis`, `3`.
fn show_elem(e: &SliceElem) -> String {
    match *e {
        SliceElem::Index(i) => i.to_string(),
        SliceElem::NewAxis => "newaxis".to_string(),
        SliceElem::Range { first, count, step } => {
            let stop = first as isize + step * count as isize;
            let stop = if stop < 0 { String::new() } else { stop.to_string() };
            if step == 1 {
                format!("{first}:{stop}")
            } else {
                format!("{first}:{stop}:{step}")
            }
        }
    }
}

fn show_view(v: &View) -> String {
    match v {
        View::Slice(elems) => format!("[{}]", elems.iter().map(show_elem).collect::<Vec<_>>().join(", ")),
        View::Transpose(p) => format!("transpose {p:?}"),
        View::Reshape(s) => format!("reshape {}", shape::show(s)),
        View::BroadcastTo(s) => format!("broadcast {}", shape::show(s)),
    }
}
