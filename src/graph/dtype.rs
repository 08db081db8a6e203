//! Element types and NumPy 2 type promotion (spec section 5).

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    Bool,
    Int32,
    Int64,
    Float32,
    Float64,
}

/// A Python scalar taking part in an array operation: it is *weak* (NEP 50) and
/// adopts the array's dtype where its kind allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeakKind {
    Bool,
    Int,
    Float,
}

impl DType {
    pub const ALL: [DType; 5] = [DType::Bool, DType::Int32, DType::Int64, DType::Float32, DType::Float64];

    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::Int32 => "int32",
            DType::Int64 => "int64",
            DType::Float32 => "float32",
            DType::Float64 => "float64",
        }
    }

    /// A dtype by name or alias (`"f32"`, `"int64"`, ...).
    pub fn parse(name: &str) -> Option<DType> {
        Some(match name {
            "bool" => DType::Bool,
            "int32" | "i32" => DType::Int32,
            "int64" | "i64" | "int" => DType::Int64,
            "float32" | "f32" => DType::Float32,
            "float64" | "f64" | "float" => DType::Float64,
            _ => return None,
        })
    }

    pub fn is_float(self) -> bool {
        matches!(self, DType::Float32 | DType::Float64)
    }

    pub fn is_int(self) -> bool {
        matches!(self, DType::Int32 | DType::Int64)
    }

    pub fn size_bytes(self) -> usize {
        match self {
            DType::Bool => 1,
            DType::Int32 | DType::Float32 => 4,
            DType::Int64 | DType::Float64 => 8,
        }
    }

    /// The dtype two arrays combine to. As in NumPy, an integer with float32 needs
    /// float64 to hold its values.
    pub fn promote(a: DType, b: DType) -> DType {
        match (a.max(b), a.min(b)) {
            (DType::Float32, DType::Int32 | DType::Int64) => DType::Float64,
            (wider, _) => wider,
        }
    }

    /// The dtype of an array combined with a Python scalar.
    pub fn promote_weak(self, scalar: WeakKind) -> DType {
        match (self, scalar) {
            (_, WeakKind::Bool) => self,
            (DType::Bool, WeakKind::Int) => DType::Int64,
            (_, WeakKind::Int) => self,
            (DType::Float32 | DType::Float64, WeakKind::Float) => self,
            (_, WeakKind::Float) => DType::Float64,
        }
    }

    /// The dtype math functions compute in: ints and bools become float64.
    pub fn to_float(self) -> DType {
        if self.is_float() {
            self
        } else {
            DType::Float64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_promotion() {
        assert_eq!(DType::promote(DType::Float32, DType::Int64), DType::Float64);
        assert_eq!(DType::promote(DType::Int32, DType::Int64), DType::Int64);
        assert_eq!(DType::promote(DType::Bool, DType::Float32), DType::Float32);
        assert_eq!(DType::Float32.promote_weak(WeakKind::Float), DType::Float32);
        assert_eq!(DType::Int32.promote_weak(WeakKind::Int), DType::Int32);
        assert_eq!(DType::Int64.promote_weak(WeakKind::Float), DType::Float64);
        assert_eq!(DType::Bool.promote_weak(WeakKind::Int), DType::Int64);
    }
}
