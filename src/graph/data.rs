//! Computed array contents: one ndarray `ArcArray` per dtype. Clones share the
//! buffer, so views and cached results cost no copy.

use ndarray::{ArcArray, IxDyn};

use super::dtype::DType;

pub type Nd<T> = ArcArray<T, IxDyn>;

#[derive(Clone, Debug)]
pub enum ArrayData {
    Bool(Nd<bool>),
    I32(Nd<i32>),
    I64(Nd<i64>),
    F32(Nd<f32>),
    F64(Nd<f64>),
}

/// One element, tagged with its kind (the dtype travels separately).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
}

/// Floats by their bits: `0.0` and `-0.0` differ (plans keyed by their
/// contents must not share a constant of either sign).
impl std::hash::Hash for Scalar {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            Scalar::Bool(b) => b.hash(state),
            Scalar::Int(i) => i.hash(state),
            Scalar::Float(f) => f.to_bits().hash(state),
        }
    }
}

impl Scalar {
    pub fn to_f64(self) -> f64 {
        match self {
            Scalar::Bool(b) => f64::from(u8::from(b)),
            Scalar::Int(i) => i as f64,
            Scalar::Float(f) => f,
        }
    }

    pub fn to_i64(self) -> i64 {
        match self {
            Scalar::Bool(b) => i64::from(b),
            Scalar::Int(i) => i,
            Scalar::Float(f) => f as i64,
        }
    }

    pub fn to_bool(self) -> bool {
        match self {
            Scalar::Bool(b) => b,
            Scalar::Int(i) => i != 0,
            Scalar::Float(f) => f != 0.0,
        }
    }
}

/// The element types, with the conversions NumPy's `astype` performs.
pub trait Elem: Copy + Default + PartialOrd + Send + Sync + std::fmt::Debug + 'static {
    const DTYPE: DType;
    fn from_f64(x: f64) -> Self;
    fn from_i64(x: i64) -> Self;
    fn from_bool(x: bool) -> Self;
    fn to_f64(self) -> f64;
    fn to_scalar(self) -> Scalar;
    fn wrap(a: Nd<Self>) -> ArrayData;
    fn cast_from(data: &ArrayData) -> Nd<Self>;
    /// Like `cast_from`, but moves the buffer when no cast is needed, so a
    /// uniquely held buffer stays unique (and can be written in place).
    fn cast_into(data: ArrayData) -> Nd<Self>;
}

macro_rules! impl_elem {
    ($t:ty, $dtype:ident, $variant:ident, $from_f64:expr, $from_i64:expr, $from_bool:expr, $to_f64:expr, $to_scalar:expr) => {
        impl Elem for $t {
            const DTYPE: DType = DType::$dtype;
            fn from_f64(x: f64) -> Self {
                $from_f64(x)
            }
            fn from_i64(x: i64) -> Self {
                $from_i64(x)
            }
            fn from_bool(x: bool) -> Self {
                $from_bool(x)
            }
            fn to_f64(self) -> f64 {
                $to_f64(self)
            }
            fn to_scalar(self) -> Scalar {
                $to_scalar(self)
            }
            fn wrap(a: Nd<Self>) -> ArrayData {
                ArrayData::$variant(a)
            }
            fn cast_into(data: ArrayData) -> Nd<Self> {
                match data {
                    ArrayData::$variant(a) => a,
                    other => Self::cast_from(&other),
                }
            }
            fn cast_from(data: &ArrayData) -> Nd<Self> {
                #[allow(unreachable_patterns)] // the first arm covers this type's own variant
                match data {
                    ArrayData::$variant(a) => a.clone(),
                    ArrayData::Bool(a) => a.mapv(Self::from_bool).into_shared(),
                    ArrayData::I32(a) => a.mapv(|x| Self::from_i64(x as i64)).into_shared(),
                    ArrayData::I64(a) => a.mapv(Self::from_i64).into_shared(),
                    ArrayData::F32(a) => a.mapv(|x| Self::from_f64(x as f64)).into_shared(),
                    ArrayData::F64(a) => a.mapv(Self::from_f64).into_shared(),
                }
            }
        }
    };
}

// Float to int truncates toward zero (NumPy's astype); nan becomes 0 and values out
// of range saturate, where NumPy leaves them undefined.
impl_elem!(bool, Bool, Bool, |x: f64| x != 0.0, |x: i64| x != 0, |x| x, |x: bool| f64::from(u8::from(x)), Scalar::Bool);
impl_elem!(i32, Int32, I32, |x: f64| x as i32, |x: i64| x as i32, i32::from, |x: i32| x as f64, |x: i32| Scalar::Int(
    x as i64
));
impl_elem!(i64, Int64, I64, |x: f64| x as i64, |x| x, i64::from, |x: i64| x as f64, Scalar::Int);
impl_elem!(
    f32,
    Float32,
    F32,
    |x: f64| x as f32,
    |x: i64| x as f32,
    |x: bool| f32::from(u8::from(x)),
    |x: f32| x as f64,
    |x: f32| Scalar::Float(x as f64)
);
impl_elem!(f64, Float64, F64, |x| x, |x: i64| x as f64, |x: bool| f64::from(u8::from(x)), |x| x, Scalar::Float);

/// Runs `$body` with the type alias `$T` bound to the element type of `$dtype`.
#[macro_export]
macro_rules! with_dtype {
    ($dtype:expr, $T:ident => $body:expr) => {
        match $dtype {
            $crate::graph::DType::Bool => {
                type $T = bool;
                $body
            }
            $crate::graph::DType::Int32 => {
                type $T = i32;
                $body
            }
            $crate::graph::DType::Int64 => {
                type $T = i64;
                $body
            }
            $crate::graph::DType::Float32 => {
                type $T = f32;
                $body
            }
            $crate::graph::DType::Float64 => {
                type $T = f64;
                $body
            }
        }
    };
}

impl ArrayData {
    pub fn dtype(&self) -> DType {
        match self {
            ArrayData::Bool(_) => DType::Bool,
            ArrayData::I32(_) => DType::Int32,
            ArrayData::I64(_) => DType::Int64,
            ArrayData::F32(_) => DType::Float32,
            ArrayData::F64(_) => DType::Float64,
        }
    }

    pub fn shape(&self) -> &[usize] {
        match self {
            ArrayData::Bool(a) => a.shape(),
            ArrayData::I32(a) => a.shape(),
            ArrayData::I64(a) => a.shape(),
            ArrayData::F32(a) => a.shape(),
            ArrayData::F64(a) => a.shape(),
        }
    }

    pub fn len(&self) -> usize {
        self.shape().iter().product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn cast(&self, dtype: DType) -> ArrayData {
        with_dtype!(dtype, T => T::wrap(T::cast_from(self)))
    }

    /// The elements in C order, as scalars (used by printing and conversions).
    pub fn scalars(&self) -> Vec<Scalar> {
        match self {
            ArrayData::Bool(a) => a.iter().map(|x| x.to_scalar()).collect(),
            ArrayData::I32(a) => a.iter().map(|x| x.to_scalar()).collect(),
            ArrayData::I64(a) => a.iter().map(|x| x.to_scalar()).collect(),
            ArrayData::F32(a) => a.iter().map(|x| x.to_scalar()).collect(),
            ArrayData::F64(a) => a.iter().map(|x| x.to_scalar()).collect(),
        }
    }

    /// The first element (the value of a 0-d or one-element array).
    pub fn first(&self) -> Option<Scalar> {
        match self {
            ArrayData::Bool(a) => a.iter().next().map(|x| x.to_scalar()),
            ArrayData::I32(a) => a.iter().next().map(|x| x.to_scalar()),
            ArrayData::I64(a) => a.iter().next().map(|x| x.to_scalar()),
            ArrayData::F32(a) => a.iter().next().map(|x| x.to_scalar()),
            ArrayData::F64(a) => a.iter().next().map(|x| x.to_scalar()),
        }
    }

    /// True when no other array shares this one's buffer, so writing it does
    /// not copy it first.
    pub fn is_unique(&self) -> bool {
        match self {
            ArrayData::Bool(a) => a.is_unique(),
            ArrayData::I32(a) => a.is_unique(),
            ArrayData::I64(a) => a.is_unique(),
            ArrayData::F32(a) => a.is_unique(),
            ArrayData::F64(a) => a.is_unique(),
        }
    }

    /// The addresses of the first element and one past the last, when the
    /// elements are contiguous in memory (any axis order); a view of another
    /// array starts inside that array's span.
    pub fn span_in_memory(&self) -> Option<std::ops::Range<usize>> {
        fn span<T>(a: &Nd<T>) -> Option<std::ops::Range<usize>> {
            let elements = a.as_slice_memory_order()?;
            let start = elements.as_ptr() as usize;
            Some(start..start + std::mem::size_of_val(elements))
        }
        match self {
            ArrayData::Bool(a) => span(a),
            ArrayData::I32(a) => span(a),
            ArrayData::I64(a) => span(a),
            ArrayData::F32(a) => span(a),
            ArrayData::F64(a) => span(a),
        }
    }

    /// The address of the first element (in index order).
    pub fn first_address(&self) -> usize {
        match self {
            ArrayData::Bool(a) => a.as_ptr() as usize,
            ArrayData::I32(a) => a.as_ptr() as usize,
            ArrayData::I64(a) => a.as_ptr() as usize,
            ArrayData::F32(a) => a.as_ptr() as usize,
            ArrayData::F64(a) => a.as_ptr() as usize,
        }
    }

    /// The element at `at` (one position per axis), if it is in range.
    pub fn get(&self, at: &[usize]) -> Option<Scalar> {
        let at = IxDyn(at);
        match self {
            ArrayData::Bool(a) => a.get(at).map(|x| x.to_scalar()),
            ArrayData::I32(a) => a.get(at).map(|x| x.to_scalar()),
            ArrayData::I64(a) => a.get(at).map(|x| x.to_scalar()),
            ArrayData::F32(a) => a.get(at).map(|x| x.to_scalar()),
            ArrayData::F64(a) => a.get(at).map(|x| x.to_scalar()),
        }
    }

    /// A 0-d array holding `value` converted to `dtype`.
    pub fn scalar(value: Scalar, dtype: DType) -> ArrayData {
        ArrayData::full(&[], value, dtype)
    }

    pub fn full(shape: &[usize], value: Scalar, dtype: DType) -> ArrayData {
        with_dtype!(dtype, T => {
            let v = match value {
                Scalar::Bool(b) => T::from_bool(b),
                Scalar::Int(i) => T::from_i64(i),
                Scalar::Float(f) => T::from_f64(f),
            };
            T::wrap(Nd::<T>::from_elem(IxDyn(shape), v))
        })
    }
}
