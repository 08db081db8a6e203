//! NumPy's `.npy` format: read versions 1.0–3.0, C or Fortran order, either byte
//! order, for bool, int32, int64, float32 and float64; write version 1.0, C order,
//! little endian.

use std::path::Path;

use ndarray::IxDyn;

use super::write_atomically;
use crate::graph::{ArrayData, DType, Nd};

const MAGIC: &[u8] = b"\x93NUMPY";

/// What a `.npy` file's header says, and where its data starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    pub dtype: DType,
    pub big_endian: bool,
    pub fortran: bool,
    pub shape: Vec<usize>,
    pub data_start: u64,
}

impl Header {
    /// Bytes of one row (one index of the first axis) as stored, C order.
    pub fn row_bytes(&self) -> usize {
        self.shape.iter().skip(1).product::<usize>() * self.dtype.size_bytes()
    }
}

/// Reads and checks the header of the `.npy` file at `path`, reading only the
/// header's bytes; the file must hold all the data the header announces.
pub fn read_header(path: &Path) -> Result<Header, String> {
    let mut file = open(path)?;
    let length = file.metadata().map_err(|e| format!("cannot read `{}`: {e}", path.display()))?.len();
    let bad = |why: &str| format!("`{}` is not a valid .npy file: {why}", path.display());
    let mut prefix = [0u8; 12];
    let got = read_up_to(&mut file, &mut prefix).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    if got < 10 || &prefix[..6] != MAGIC {
        return Err(bad("it does not start with the .npy magic string"));
    }
    let (header_len, header_start) = match prefix[6] {
        1 => (u16::from_le_bytes([prefix[8], prefix[9]]) as usize, 10),
        2 | 3 if got >= 12 => (u32::from_le_bytes([prefix[8], prefix[9], prefix[10], prefix[11]]) as usize, 12),
        v => return Err(bad(&format!("format version {v}.{} is not supported", prefix[7]))),
    };
    let data_start = (header_start + header_len) as u64;
    if length < data_start {
        return Err(bad("the header is truncated"));
    }
    let mut header = vec![0u8; header_len];
    read_at(&file, &mut header, header_start as u64).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let header = std::str::from_utf8(&header).map_err(|_| bad("the header is not text"))?;
    let (descr, fortran, shape) = parse_header(header).ok_or_else(|| bad("the header cannot be read"))?;
    let (big_endian, dtype) = parse_descr(&descr).ok_or_else(|| {
        format!(
            "`{}` holds dtype `{descr}`, which darr does not support (bool, int32, int64, float32, float64)",
            path.display()
        )
    })?;
    let count: usize =
        shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).ok_or_else(|| bad("the shape is too large"))?;
    let needed = count.checked_mul(dtype.size_bytes()).ok_or_else(|| bad("the shape is too large"))?;
    if length - data_start < needed as u64 {
        return Err(format!(
            "`{}` is truncated: {needed} bytes of data expected, {} found",
            path.display(),
            length - data_start
        ));
    }
    Ok(Header { dtype, big_endian, fortran, shape, data_start })
}

pub fn load(path: &Path) -> Result<ArrayData, String> {
    let header = read_header(path)?;
    let raw = read_span(path, header.data_start, header.shape.iter().product::<usize>() * header.dtype.size_bytes())?;
    // Fortran order: the data is the transpose of a C-ordered array of the reversed shape.
    let shape = &header.shape;
    let stored_shape: Vec<usize> = if header.fortran { shape.iter().rev().copied().collect() } else { shape.clone() };
    let data = decode(&raw, header.dtype, header.big_endian, &stored_shape);
    if !header.fortran {
        return Ok(data);
    }
    let reversed: Vec<usize> = (0..shape.len()).rev().collect();
    Ok(crate::num::view::apply(&data, &crate::graph::View::Transpose(reversed)))
}

/// Rows `[first, stop)` of the first axis of a C-ordered file whose `header` was
/// read: only their bytes are read.
pub fn load_rows(path: &Path, header: &Header, (first, stop): (usize, usize)) -> Result<ArrayData, String> {
    debug_assert!(!header.fortran && !header.shape.is_empty());
    let row = header.row_bytes();
    let raw = read_span(path, header.data_start + (first * row) as u64, (stop - first) * row)?;
    let mut shape = header.shape.clone();
    shape[0] = stop - first;
    Ok(decode(&raw, header.dtype, header.big_endian, &shape))
}

fn open(path: &Path) -> Result<std::fs::File, String> {
    std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("`{}` does not exist", path.display()),
        _ => format!("cannot read `{}`: {e}", path.display()),
    })
}

/// `len` bytes of the file at `path` from byte `offset`.
fn read_span(path: &Path, offset: u64, len: usize) -> Result<Vec<u8>, String> {
    let file = open(path)?;
    let mut bytes = vec![0u8; len];
    read_at(&file, &mut bytes, offset).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    Ok(bytes)
}

fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = file;
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

/// Fills as much of `buf` as the file holds; the count read.
fn read_up_to(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    use std::io::Read;
    let mut got = 0;
    while got < buf.len() {
        match file.read(&mut buf[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got)
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

/// The header of a version 1.0 `.npy` file holding an array of `shape` and
/// `dtype`, padded so the data starts at a multiple of 64 bytes.
pub fn header_bytes(shape: &[usize], dtype: DType) -> Vec<u8> {
    let shape_text = match shape {
        [one] => format!("({one},)"),
        _ => format!("({})", shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")),
    };
    let mut header = format!("{{'descr': '{}', 'fortran_order': False, 'shape': {shape_text}, }}", descr(dtype));
    // Pad with spaces so the data starts at a multiple of 64 bytes, then a newline.
    let total = MAGIC.len() + 4 + header.len() + 1;
    header.push_str(&" ".repeat((64 - total % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(MAGIC.len() + 4 + header.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out
}

/// The values of `data` as a `.npy` file stores them: C order, little endian.
pub fn data_bytes(data: &ArrayData) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() * data.dtype().size_bytes());
    match data {
        ArrayData::Bool(a) => out.extend(a.iter().map(|&b| u8::from(b))),
        ArrayData::I32(a) => a.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
        ArrayData::I64(a) => a.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
        ArrayData::F32(a) => a.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
        ArrayData::F64(a) => a.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
    }
    out
}

/// The bytes of a version 1.0 `.npy` file holding `data`.
pub fn encode(data: &ArrayData) -> Vec<u8> {
    [header_bytes(data.shape(), data.dtype()), data_bytes(data)].concat()
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
