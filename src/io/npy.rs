//! NumPy's `.npy` format: read versions 1.0–3.0, C or Fortran order, either byte
//! order, for bool, int32, int64, float32 and float64; write version 1.0, C order,
//! little endian.

use std::path::Path;

use ndarray::IxDyn;

use super::{read_file, write_atomically};
use crate::graph::{ArrayData, DType, Nd};

const MAGIC: &[u8] = b"\x93NUMPY";

pub fn load(path: &Path) -> Result<ArrayData, String> {
    let bytes = read_file(path)?;
    let bad = |why: &str| format!("`{}` is not a valid .npy file: {why}", path.display());
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err(bad("it does not start with the .npy magic string"));
    }
    let (header_len, header_start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12),
        v => return Err(bad(&format!("format version {v}.{} is not supported", bytes[7]))),
    };
    let data_start = header_start + header_len;
    let header = bytes.get(header_start..data_start).ok_or_else(|| bad("the header is truncated"))?;
    let header = std::str::from_utf8(header).map_err(|_| bad("the header is not text"))?;
    let (descr, fortran, shape) = parse_header(header).ok_or_else(|| bad("the header cannot be read"))?;
    let (big_endian, dtype) = parse_descr(&descr).ok_or_else(|| {
        format!(
            "`{}` holds dtype `{descr}`, which darr does not support (bool, int32, int64, float32, float64)",
            path.display()
        )
    })?;
    let count: usize =
        shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).ok_or_else(|| bad("the shape is too large"))?;
    let size = dtype.size_bytes();
    let needed = count.checked_mul(size).ok_or_else(|| bad("the shape is too large"))?;
    let raw = bytes.get(data_start..data_start + needed).ok_or_else(|| {
        format!(
            "`{}` is truncated: {needed} bytes of data expected, {} found",
            path.display(),
            bytes.len().saturating_sub(data_start)
        )
    })?;
    // Fortran order: the data is the transpose of a C-ordered array of the reversed shape.
    let stored_shape: Vec<usize> = if fortran { shape.iter().rev().copied().collect() } else { shape.clone() };
    let data = decode(raw, dtype, big_endian, &stored_shape);
    if !fortran {
        return Ok(data);
    }
    let reversed: Vec<usize> = (0..shape.len()).rev().collect();
    Ok(crate::exec::view_apply(&data, &crate::graph::View::Transpose(reversed)))
}

fn decode(raw: &[u8], dtype: DType, big_endian: bool, shape: &[usize]) -> ArrayData {
    macro_rules! numbers {
        ($t:ty, $n:expr, $variant:ident) => {{
            let values: Vec<$t> = raw
                .chunks_exact($n)
                .map(|c| {
                    let bytes: [u8; $n] = c.try_into().expect("chunk size");
                    if big_endian {
                        <$t>::from_be_bytes(bytes)
                    } else {
                        <$t>::from_le_bytes(bytes)
                    }
                })
                .collect();
            ArrayData::$variant(Nd::from_shape_vec(IxDyn(shape), values).expect("size checked"))
        }};
    }
    match dtype {
        DType::Bool => ArrayData::Bool(
            Nd::from_shape_vec(IxDyn(shape), raw.iter().map(|&b| b != 0).collect()).expect("size checked"),
        ),
        DType::Int32 => numbers!(i32, 4, I32),
        DType::Int64 => numbers!(i64, 8, I64),
        DType::Float32 => numbers!(f32, 4, F32),
        DType::Float64 => numbers!(f64, 8, F64),
    }
}

/// `'descr'`, `'fortran_order'` and `'shape'` from the header's dict literal.
fn parse_header(header: &str) -> Option<(String, bool, Vec<usize>)> {
    let value_after = |key: &str| -> Option<&str> {
        let at = header.find(&format!("'{key}'")).or_else(|| header.find(&format!("\"{key}\"")))?;
        let rest = &header[at + key.len() + 2..];
        Some(rest[rest.find(':')? + 1..].trim_start())
    };
    let descr_text = value_after("descr")?;
    let quote = descr_text.chars().next()?;
    let descr = descr_text[1..].split(quote).next()?.to_string();
    let fortran = value_after("fortran_order")?.starts_with("True");
    let shape_text = value_after("shape")?;
    let inner = &shape_text[shape_text.find('(')? + 1..shape_text.find(')')?];
    let shape = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('L').parse().ok())
        .collect::<Option<Vec<usize>>>()?;
    Some((descr, fortran, shape))
}

/// `(big endian, dtype)` of a descr such as `<f8` or `|b1`.
fn parse_descr(descr: &str) -> Option<(bool, DType)> {
    let (order, kind) = match descr.chars().next()? {
        c @ ('<' | '>' | '|' | '=') => (c, &descr[1..]),
        _ => ('=', descr),
    };
    let dtype = match kind {
        "b1" | "?" => DType::Bool,
        "i4" => DType::Int32,
        "i8" => DType::Int64,
        "f4" => DType::Float32,
        "f8" => DType::Float64,
        _ => return None,
    };
    Some((order == '>', dtype))
}

fn descr(dtype: DType) -> &'static str {
    match dtype {
        DType::Bool => "|b1",
        DType::Int32 => "<i4",
        DType::Int64 => "<i8",
        DType::Float32 => "<f4",
        DType::Float64 => "<f8",
    }
}

/// The bytes of a version 1.0 `.npy` file holding `data`.
pub fn encode(data: &ArrayData) -> Vec<u8> {
    let shape = data.shape();
    let shape_text = match shape {
        [one] => format!("({one},)"),
        _ => format!("({})", shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")),
    };
    let mut header = format!("{{'descr': '{}', 'fortran_order': False, 'shape': {shape_text}, }}", descr(data.dtype()));
    // Pad with spaces so the data starts at a multiple of 64 bytes, then a newline.
    let total = MAGIC.len() + 4 + header.len() + 1;
    header.push_str(&" ".repeat((64 - total % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(MAGIC.len() + 4 + header.len() + data.len() * data.dtype().size_bytes());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    match data {
        ArrayData::Bool(a) => out.extend(a.iter().map(|&b| u8::from(b))),
        ArrayData::I32(a) => a.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
        ArrayData::I64(a) => a.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
        ArrayData::F32(a) => a.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
        ArrayData::F64(a) => a.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
    }
    out
}

pub fn save(path: &Path, data: &ArrayData) -> Result<(), String> {
    write_atomically(path, &encode(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_aligned_and_round_trips() {
        let data = ArrayData::F64(Nd::from_shape_vec(IxDyn(&[2, 3]), vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.5]).unwrap());
        let bytes = encode(&data);
        let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!((10 + header_len) % 64, 0);
        assert_eq!(bytes[10 + header_len - 1], b'\n');
        let (descr, fortran, shape) = parse_header(std::str::from_utf8(&bytes[10..10 + header_len]).unwrap()).unwrap();
        assert_eq!((descr.as_str(), fortran, shape), ("<f8", false, vec![2, 3]));
    }

    #[test]
    fn descrs() {
        assert_eq!(parse_descr(">i8"), Some((true, DType::Int64)));
        assert_eq!(parse_descr("|b1"), Some((false, DType::Bool)));
        assert_eq!(parse_descr("<c16"), None);
    }
}
