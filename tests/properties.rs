//! Property test: random elementwise, broadcasting and reduction expressions,
//! evaluated by darr, match a straightforward evaluation with ndarray directly, on
//! random shapes that include empty and length-1 dimensions.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use ndarray::{ArrayD, Axis, IxDyn, Zip};

mod common;

use common::Rng;

#[derive(Clone)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn random_shape(rng: &mut Rng) -> Vec<usize> {
    let dims = [0, 1, 1, 2, 3, 4];
    (0..rng.below(4)).map(|_| dims[rng.below(dims.len())]).collect()
}

/// A shape that broadcasts with `shape`: some dimensions set to 1, some leading
/// ones dropped.
fn compatible_shape(rng: &mut Rng, shape: &[usize]) -> Vec<usize> {
    let drop = rng.below(shape.len() + 1);
    shape[drop..].iter().map(|&d| if rng.below(3) == 0 { 1 } else { d }).collect()
}

fn random_array(rng: &mut Rng, shape: &[usize]) -> ArrayD<f64> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(|_| rng.float()).collect()).unwrap()
}

fn literal(a: &ArrayD<f64>) -> String {
    let flat: Vec<String> = a.iter().map(|v| format!("{v:?}")).collect();
    let dims: Vec<String> = a.shape().iter().map(|d| d.to_string()).collect();
    format!(
        "reshape(array([{}], dtype=float64), ({}{}))",
        flat.join(", "),
        dims.join(", "),
        if dims.len() == 1 { "," } else { "" }
    )
}

fn broadcast2(a: &ArrayD<f64>, b: &ArrayD<f64>, f: impl Fn(f64, f64) -> f64) -> ArrayD<f64> {
    let n = a.ndim().max(b.ndim());
    let pad = |s: &[usize]| -> Vec<usize> { std::iter::repeat_n(1, n - s.len()).chain(s.iter().copied()).collect() };
    let (sa, sb) = (pad(a.shape()), pad(b.shape()));
    let shape: Vec<usize> = sa.iter().zip(&sb).map(|(&x, &y)| if x == 1 { y } else { x }).collect();
    let av = a.broadcast(IxDyn(&shape)).unwrap();
    let bv = b.broadcast(IxDyn(&shape)).unwrap();
    Zip::from(&av).and(&bv).map_collect(|&x, &y| f(x, y))
}

type BinaryCase = (&'static str, fn(f64, f64) -> f64);
type UnaryCase = (&'static str, fn(f64) -> f64);

const BINARY: [BinaryCase; 5] =
    [("+", |x, y| x + y), ("-", |x, y| x - y), ("*", |x, y| x * y), ("minimum", f64::min), ("maximum", f64::max)];

const UNARY: [UnaryCase; 4] = [
    ("sqrt(abs({}))", |x| x.abs().sqrt()),
    ("exp({} / 10)", |x| (x / 10.0).exp()),
    ("-({})", |x| -x),
    ("square({})", |x| x * x),
];

fn apply_binary(name: &str, l: &str, r: &str) -> String {
    match name {
        "minimum" | "maximum" => format!("{name}({l}, {r})"),
        op => format!("({l} {op} {r})"),
    }
}

/// Builds one random case: darr source for the expression and its reference value.
fn case(rng: &mut Rng) -> (String, ArrayD<f64>) {
    let shape = random_shape(rng);
    let a = random_array(rng, &shape);
    let b_shape = compatible_shape(rng, &shape);
    let b = random_array(rng, &b_shape);
    let c_shape = compatible_shape(rng, &shape);
    let c = random_array(rng, &c_shape);
    let mut src = format!("a = {}\nb = {}\nc = {}\n", literal(&a), literal(&b), literal(&c));
    let (op1, f1) = BINARY[rng.below(BINARY.len())];
    let (op2, f2) = BINARY[rng.below(BINARY.len())];
    let (un, fu) = UNARY[rng.below(UNARY.len())];
    let first = apply_binary(op1, "a", "b");
    let mut expr = apply_binary(op2, &un.replace("{}", &first), "c");
    let inner = broadcast2(&a, &b, f1).mapv(fu);
    let mut value = broadcast2(&inner, &c, f2);
    // Sometimes reduce: over everything, over one axis, or over one axis and
    // then one axis of that (a second stage in the same kernel).
    match rng.below(4) {
        0 => {}
        1 => {
            expr = format!("sum({expr})");
            value = ArrayD::from_elem(IxDyn(&[]), value.iter().sum());
        }
        2 if value.ndim() > 0 => {
            let axis = rng.below(value.ndim());
            expr = format!("sum({expr}, axis={axis})");
            value = value.sum_axis(Axis(axis));
        }
        3 if value.ndim() > 1 => {
            let first = rng.below(value.ndim());
            value = value.sum_axis(Axis(first));
            let second = rng.below(value.ndim());
            // A maximum needs something to compare; a sum of nothing is 0.
            if value.shape()[second] > 0 && rng.below(2) == 0 {
                expr = format!("max(sum({expr}, axis={first}), axis={second})");
                value = value.fold_axis(Axis(second), f64::NEG_INFINITY, |m, &v| m.max(v));
            } else {
                expr = format!("sum(sum({expr}, axis={first}), axis={second})");
                value = value.sum_axis(Axis(second));
            }
        }
        _ => {}
    }
    src.push_str(&format!("r = {expr}\nprint(r.shape)\nfor v in ravel(r) {{ print(float(v)) }}\n"));
    (src, value)
}

fn run(src: &str) -> String {
    let out = Shared(Rc::new(RefCell::new(Vec::new())));
    let mut session = darr::Session::new(Box::new(out.clone()), Vec::new(), Arc::new(AtomicBool::new(false)));
    if let Err(e) = session.run_source("<property>", src) {
        panic!("darr failed on\n{src}\n{e:?}");
    }
    let bytes = out.0.borrow().clone();
    String::from_utf8(bytes).unwrap()
}

fn shape_text(shape: &[usize]) -> String {
    match shape {
        [one] => format!("({one},)"),
        _ => format!("({})", shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")),
    }
}

#[test]
fn random_expressions_match_a_reference_evaluation() {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    for i in 0..300 {
        let (src, want) = case(&mut rng);
        let output = run(&src);
        let mut lines = output.lines();
        assert_eq!(lines.next(), Some(shape_text(want.shape()).as_str()), "case {i}: shape\n{src}");
        let got: Vec<f64> = lines.map(|l| l.parse().unwrap()).collect();
        assert_eq!(got.len(), want.len(), "case {i}: element count\n{src}");
        for (g, w) in got.iter().zip(want.iter()) {
            let close = (g - w).abs() <= 1e-12 * w.abs().max(1.0) || (g.is_nan() && w.is_nan());
            assert!(close, "case {i}: {g} != {w}\n{src}");
        }
    }
}

/// Matrix products with random sizes (including 0 and 1), transposed operands and
/// 1-D operands match ndarray's own `dot`.
#[test]
fn random_matrix_products_match_a_reference() {
    let mut rng = Rng(0xD0_7D07_5EED);
    for i in 0..200 {
        let (m, k, n) = (rng.below(5), rng.below(5), rng.below(5));
        let a = random_array(&mut rng, &[m, k]);
        let b = random_array(&mut rng, &[k, n]);
        // Give darr each operand either as is or as the transpose of its transpose,
        // which is a strided (Fortran-ordered) view.
        let (ta, tb) = (rng.below(2) == 1, rng.below(2) == 1);
        let operand = |x: &ArrayD<f64>, t: bool| {
            if t {
                format!("{}.T", literal(&x.t().as_standard_layout().to_owned()))
            } else {
                literal(x)
            }
        };
        let a2 = a.clone().into_dimensionality::<ndarray::Ix2>().unwrap();
        let b2 = b.clone().into_dimensionality::<ndarray::Ix2>().unwrap();
        let (expr, want) = match rng.below(3) {
            0 => (format!("{} @ {}", operand(&a, ta), operand(&b, tb)), a2.dot(&b2).into_dyn()),
            1 if k > 0 => {
                let v = random_array(&mut rng, &[k]);
                let v1 = v.clone().into_dimensionality::<ndarray::Ix1>().unwrap();
                (format!("{} @ {}", operand(&a, ta), literal(&v)), a2.dot(&v1).into_dyn())
            }
            _ => {
                let v = random_array(&mut rng, &[m]);
                let v1 = v.clone().into_dimensionality::<ndarray::Ix1>().unwrap();
                (format!("{} @ {}", literal(&v), operand(&a, ta)), v1.dot(&a2).into_dyn())
            }
        };
        let src = format!("r = {expr}\nprint(r.shape)\nfor v in ravel(r) {{ print(float(v)) }}\n");
        let output = run(&src);
        let mut lines = output.lines();
        assert_eq!(lines.next(), Some(shape_text(want.shape()).as_str()), "case {i}: shape\n{src}");
        for (g, w) in lines.map(|l| l.parse::<f64>().unwrap()).zip(want.iter()) {
            assert!((g - w).abs() <= 1e-12 * w.abs().max(1.0), "case {i}: {g} != {w}\n{src}");
        }
    }
}
