//! Helpers shared by the integration tests.

// Each test crate uses the helpers it needs.
#[allow(dead_code)]
pub mod prereq;

/// A small deterministic generator (xorshift64*), so failures reproduce.
pub struct Rng(pub u64);

// Each test crate uses the helpers it needs.
#[allow(dead_code)]
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Values with few significant digits keep literals short; the sign and
    /// magnitude still vary.
    pub fn float(&mut self) -> f64 {
        (self.below(2001) as f64 - 1000.0) / 200.0
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Whether two outputs agree as runs on different numbers of ranks must: the same
/// text, numbers equal to a relative 1e-9 (absolute 1e-12), since a reduction over
/// several ranks adds its partial results in another order.
#[allow(dead_code)]
pub fn agree(one: &str, many: &str) -> bool {
    let tokens = |s: &str| -> Vec<String> {
        s.split(|c: char| c.is_whitespace() || c == '[' || c == ']' || c == ',')
            .filter(|t| !t.is_empty())
            .map(String::from)
            .collect()
    };
    let (a, b) = (tokens(one), tokens(many));
    a.len() == b.len()
        && a.iter().zip(&b).all(|(x, y)| match (x.parse::<f64>(), y.parse::<f64>()) {
            (Ok(x), Ok(y)) => x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()) + 1e-12,
            _ => x == y,
        })
}
