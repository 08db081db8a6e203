//! File formats: NumPy `.npy`, delimited text, PNG. Errors are messages that name
//! the file; the builtins report them as `darr::io` at the call.

pub mod image;
pub mod npy;
pub mod text;

use std::path::Path;

/// Writes `bytes` to `path` through a temporary file in the same directory and a
/// rename, so a failed save never leaves a partial file at `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let temp = temp_path(path, std::process::id())?;
    let result = std::fs::write(&temp, bytes).and_then(|()| std::fs::rename(&temp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&temp);
        return Err(format!("cannot write `{}`: {e}", path.display()));
    }
    Ok(())
}

/// The temporary file a save to `path` by process `pid` writes before renaming
/// it (hidden, beside `path`, so the rename stays on one file system).
pub fn temp_path(path: &Path, pid: u32) -> Result<std::path::PathBuf, String> {
    let name = path.file_name().ok_or_else(|| format!("`{}` is not a file path", path.display()))?;
    Ok(path.with_file_name(format!(".{}.darr-tmp-{pid}", name.to_string_lossy())))
}

pub fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("`{}` does not exist", path.display()),
        _ => format!("cannot read `{}`: {e}", path.display()),
    })
}
