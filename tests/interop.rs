//! Interoperability with the real NumPy: files NumPy writes (every supported dtype,
//! both byte orders, Fortran order, format versions 1.0 to 3.0) are read by darr,
//! and files darr writes are read by NumPy. Needs python3 with numpy (`.ci/run`
//! installs it); without it these tests say so and skip (see `common/prereq.rs`).

mod common;

use std::path::Path;
use std::process::Command;

fn python(dir: &Path, code: &str) -> String {
    let out = Command::new("python3").arg("-c").arg(code).current_dir(dir).output().expect("python3");
    assert!(out.status.success(), "python failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn darr(dir: &Path, code: &str) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_darr")).arg("-e").arg(code).current_dir(dir).output().expect("darr");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("darr-interop-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn darr_reads_what_numpy_writes() {
    if !common::prereq::numpy("interop::darr_reads_what_numpy_writes") {
        return;
    }
    let dir = temp_dir("read");
    python(
        &dir,
        r#"
import numpy as np
from numpy.lib import format as f
a = np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 7
np.save("c.npy", a)
np.save("fortran.npy", np.asfortranarray(a))
np.save("be_i4.npy", np.arange(-3, 3, dtype=">i4"))
np.save("be_f8.npy", (np.arange(5) / 3).astype(">f8"))
np.save("f4.npy", np.linspace(0, 1, 7, dtype=np.float32))
np.save("b.npy", np.array([True, False, True]))
np.save("empty.npy", np.zeros((0, 3)))
np.save("scalar.npy", np.float64(2.5))
for v in [(2, 0), (3, 0)]:
    with open(f"v{v[0]}.npy", "wb") as fh:
        f.write_array(fh, np.arange(6, dtype=np.int64).reshape(3, 2), version=v)
np.save("c16.npy", np.zeros(2, dtype=np.complex128))
"#,
    );
    let (ok, out, err) = darr(
        &dir,
        r#"a = load("c.npy")
print(a.shape, a.dtype, all(load("fortran.npy") == a), a[1, 2, 3] * 7)
print(load("be_i4.npy"), load("be_i4.npy").dtype, load("be_f8.npy"))
print(load("f4.npy"), load("f4.npy").dtype, load("b.npy"))
print(load("empty.npy").shape, load("scalar.npy"), load("v2.npy"), load("v3.npy").shape)"#,
    );
    assert!(ok, "{err}");
    let numpy_view = python(
        &dir,
        r#"
import numpy as np
a = np.load("c.npy")
print(a.shape, a.dtype, np.all(np.load("fortran.npy") == a), a[1, 2, 3] * 7)
print(np.load("be_i4.npy"), "int32", np.load("be_f8.npy"))
print(np.load("f4.npy"), "float32", str(np.load("b.npy")).replace("True", " true").replace("False", "false").replace("[ ", "["))
print(np.load("empty.npy").shape, np.load("scalar.npy"), np.load("v2.npy"), np.load("v3.npy").shape)
"#,
    );
    let normalize = |s: &str| s.replace("True", "true");
    assert_eq!(
        normalize(&out).split_whitespace().collect::<Vec<_>>(),
        normalize(&numpy_view).split_whitespace().collect::<Vec<_>>()
    );
    let (ok, _, err) = darr(&dir, r#"x = load("c16.npy")"#);
    assert!(!ok && err.contains("darr::io") && err.contains("c16.npy") && err.contains("<c16"), "{err}");
}

#[test]
fn numpy_reads_what_darr_writes() {
    if !common::prereq::numpy("interop::numpy_reads_what_darr_writes") {
        return;
    }
    let dir = temp_dir("write");
    let (ok, _, err) = darr(
        &dir,
        r#"save("f8.npy", arange(12.0).reshape(3, 4).T / 3)
save("i8.npy", arange(-2, 3))
save("f4.npy", array([0.1, 0.2], dtype=float32))
save("empty.npy", zeros((0, 2), dtype=int32))
save("scalar.npy", sum(arange(5)))
savetxt("m.csv", arange(6).reshape(2, 3) / 8, fmt="%.6f")"#,
    );
    assert!(ok, "{err}");
    let report = python(
        &dir,
        r#"
import numpy as np
a = np.load("f8.npy"); assert a.dtype == np.float64 and np.array_equal(a, np.arange(12.0).reshape(3, 4).T / 3), a
assert np.array_equal(np.load("i8.npy"), np.arange(-2, 3)) and np.load("i8.npy").dtype == np.int64
f = np.load("f4.npy"); assert f.dtype == np.float32 and np.array_equal(f, np.array([0.1, 0.2], dtype=np.float32))
e = np.load("empty.npy"); assert e.shape == (0, 2) and e.dtype == np.int32
s = np.load("scalar.npy"); assert s.shape == () and s == 10
m = np.loadtxt("m.csv", delimiter=","); assert np.allclose(m, np.arange(6).reshape(2, 3) / 8)
print("ok")
"#,
    );
    assert_eq!(report.trim(), "ok");
}

#[test]
fn malformed_files_are_io_errors_and_failed_saves_leave_nothing() {
    let dir = temp_dir("bad");
    std::fs::write(dir.join("notnpy.npy"), b"hello").unwrap();
    let (ok, _, err) = darr(&dir, r#"save("good.npy", arange(100.0))"#);
    assert!(ok, "{err}");
    let good = std::fs::read(dir.join("good.npy")).unwrap();
    std::fs::write(dir.join("truncated.npy"), &good[..good.len() - 8]).unwrap();
    for (file, words) in
        [("notnpy.npy", "not a valid .npy"), ("truncated.npy", "truncated"), ("absent.npy", "does not exist")]
    {
        let (ok, _, err) = darr(&dir, &format!("x = load(\"{file}\")"));
        assert!(!ok && err.contains("darr::io") && err.contains(file) && err.contains(words), "{file}: {err}");
    }
    let (ok, _, err) = darr(&dir, r#"save("no_such_dir/x.npy", ones(3))"#);
    assert!(!ok && err.contains("darr::io") && err.contains("no_such_dir"), "{err}");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains("darr-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}
