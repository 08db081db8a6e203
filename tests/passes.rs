//! Each optimizer pass on its own: a small darr program builds a pending array,
//! the plan it lowers to is rewritten by one pass (after the passes it depends
//! on, where it has any), and the `explain` text of the result is compared with a
//! snapshot in `tests/snapshots` (`cargo insta review` to accept a change).

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use darr::interp::value::Value;
use darr::opt::{lower, passes, render, Plan, Scalars};

/// The plan computing variable `name` after running `program`.
fn plan_of(program: &str, name: &str) -> Plan {
    let mut session = darr::Session::new(Box::new(std::io::sink()), Vec::new(), Arc::new(AtomicBool::new(false)));
    session.run_source("<test>", program).unwrap_or_else(|_| panic!("{program} failed"));
    let value = session.variables().into_iter().find(|(n, _)| n == name).expect("variable").1;
    let Value::Array(array) = value else { panic!("{name} is not an array") };
    lower(&array, Scalars::Constants).0
}

/// Runs the named passes in order; returns the plan text before the last one
/// and after it, and whether the last one reported a change.
fn apply(plan: &mut Plan, names: &[&str]) -> String {
    let all = passes();
    let (last, before) = names.split_last().expect("a pass");
    for name in before {
        all.iter().find(|p| p.name() == *name).expect("pass").run(plan);
    }
    let text_before = render(plan, None);
    let changed = all.iter().find(|p| p.name() == *last).expect("pass").run(plan);
    format!("before {last}:\n{text_before}\n\nafter (changed: {changed}):\n{}", render(plan, None))
}

const INPUTS: &str = "a = ones(6) * 0.5\nb = arange(6.0)\neval(a)\neval(b)\n";

#[test]
fn const_fold_computes_operations_on_constants() {
    let mut plan = plan_of(&format!("{INPUTS}s = 2.0\nc = a * (full((), 3.0) + s * 2) - sqrt(full((), 16.0))"), "c");
    insta::assert_snapshot!(apply(&mut plan, &["const-fold"]));
}

#[test]
fn cse_merges_equal_expressions_but_not_random_draws() {
    let program = format!("{INPUTS}c = exp(a * b) + exp(a * b) + uniform(0.0, 1.0, 6) + uniform(0.0, 1.0, 6)");
    let mut plan = plan_of(&program, "c");
    insta::assert_snapshot!(apply(&mut plan, &["cse"]));
}

#[test]
fn materialize_marks_values_read_by_two_kernels() {
    // `d` is read by two reductions (two kernels): its costly part, `exp`, is
    // computed once; the multiplication is cheaper to redo in each kernel.
    let mut plan = plan_of(&format!("{INPUTS}d = exp(a) * b\nc = sum(d * 2) + max(d - 1)"), "c");
    insta::assert_snapshot!(apply(&mut plan, &["materialize"]));
}

#[test]
fn map_fusion_turns_an_elementwise_dag_with_views_into_one_kernel() {
    let program = format!("{INPUTS}t = a * b\nc = reshape(t + 2 * a - b / 3, (2, 3))[::-1, 1:] * sqrt(t)[newaxis, :2]");
    let mut plan = plan_of(&program, "c");
    insta::assert_snapshot!(apply(&mut plan, &["fuse-map"]));
}

#[test]
fn reduce_fusion_reduces_inside_the_kernel() {
    let program = "x = reshape(arange(12.0), (4, 3))\ny = ones((2, 3))\neval(x)\neval(y)\n\
                   c = argmin(sum((x[:, newaxis, :] - y[newaxis, :, :]) ** 2, axis=2), axis=1)";
    let mut plan = plan_of(program, "c");
    insta::assert_snapshot!(apply(&mut plan, &["fuse-map", "fuse-reduce"]));
}

#[test]
fn update_fusion_writes_the_region_while_copying_the_array() {
    let program = "u = reshape(arange(20.0), (4, 5))\neval(u)\n\
                   u[1:-1, 1:-1] = 0.25 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:])";
    let mut plan = plan_of(program, "u");
    insta::assert_snapshot!(apply(&mut plan, &["fuse-map", "fuse-update"]));
}

#[test]
fn sibling_fusion_computes_sums_that_share_work_in_one_pass() {
    let program = format!("{INPUTS}d = exp(a) * b\nc = sum(d * 2) + mean(d - b, axis=0)");
    let mut plan = plan_of(&program, "c");
    insta::assert_snapshot!(apply(&mut plan, &["materialize", "fuse-map", "fuse-reduce", "fuse-siblings"]));
}

#[test]
fn the_full_pass_list_reaches_a_fixed_point() {
    let mut plan = plan_of(&format!("{INPUTS}d = exp(a) * b\nc = sum(d * 2 + d) + mean(sqrt(b) > 1)"), "c");
    darr::opt::run_passes(&mut plan, &passes());
    let once = plan.clone();
    for pass in passes() {
        assert!(!pass.run(&mut plan), "{} still changes the plan", pass.name());
    }
    assert_eq!(plan, once);
    insta::assert_snapshot!(render(&plan, None));
}
