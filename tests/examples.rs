//! Every program in `examples/` runs to completion. An example's `# test: ARGS` line
//! gives the (small) arguments it is run with here.

use std::path::Path;
use std::process::Command;

#[test]
fn every_example_runs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut ran = 0;
    for entry in std::fs::read_dir(&dir).expect("examples/") {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "da") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let args: Vec<&str> = text
            .lines()
            .find_map(|l| l.strip_prefix("# test:"))
            .map(|a| a.split_whitespace().collect())
            .unwrap_or_default();
        // Examples may write files (images); they do so in a scratch directory.
        let scratch = std::env::temp_dir().join(format!("darr-example-{}", std::process::id()));
        std::fs::create_dir_all(&scratch).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_darr"))
            .arg(&path)
            .args(&args)
            .current_dir(&scratch)
            .output()
            .expect("run darr");
        assert!(
            output.status.success() && !output.stdout.is_empty(),
            "{} failed:\n{}{}",
            path.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        ran += 1;
    }
    assert!(ran > 0, "no examples found");
}
