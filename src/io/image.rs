//! `imsave`: a 2-D array as an 8-bit RGB PNG through a colormap.

use std::path::Path;

use super::write_atomically;

/// Colormaps as evenly spaced anchor colours, interpolated linearly. The anchors
/// are matplotlib's colormaps sampled at 1/8 steps (`gray` is exact).
const VIRIDIS: [[u8; 3]; 9] = [
    [68, 1, 84],
    [71, 44, 122],
    [59, 81, 139],
    [44, 113, 142],
    [33, 144, 141],
    [39, 173, 129],
    [92, 200, 99],
    [170, 220, 50],
    [253, 231, 37],
];
const MAGMA: [[u8; 3]; 9] = [
    [0, 0, 4],
    [28, 16, 68],
    [79, 18, 123],
    [129, 37, 129],
    [181, 54, 122],
    [229, 80, 100],
    [251, 135, 97],
    [254, 194, 135],
    [252, 253, 191],
];
const COOLWARM: [[u8; 3]; 9] = [
    [59, 76, 192],
    [86, 116, 229],
    [123, 159, 249],
    [162, 193, 255],
    [221, 221, 221],
    [245, 196, 173],
    [246, 163, 131],
    [226, 105, 82],
    [180, 4, 38],
];
const GRAY: [[u8; 3]; 2] = [[0, 0, 0], [255, 255, 255]];

pub const COLORMAPS: [&str; 4] = ["gray", "viridis", "magma", "coolwarm"];

fn anchors(cmap: &str) -> Option<&'static [[u8; 3]]> {
    Some(match cmap {
        "gray" | "grey" => &GRAY,
        "viridis" => &VIRIDIS,
        "magma" => &MAGMA,
        "coolwarm" => &COOLWARM,
        _ => return None,
    })
}

fn color(anchors: &[[u8; 3]], t: f64) -> [u8; 3] {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let x = t * (anchors.len() - 1) as f64;
    let i = (x.floor() as usize).min(anchors.len() - 2);
    let f = x - i as f64;
    let mix = |k: usize| (anchors[i][k] as f64 * (1.0 - f) + anchors[i + 1][k] as f64 * f).round() as u8;
    [mix(0), mix(1), mix(2)]
}

/// Writes `values` (row-major, `height` × `width`) scaled from [vmin, vmax].
pub fn imsave(
    path: &Path,
    values: &[f64],
    height: usize,
    width: usize,
    cmap: &str,
    vmin: Option<f64>,
    vmax: Option<f64>,
) -> Result<(), String> {
    let anchors = anchors(cmap)
        .ok_or_else(|| format!("unknown colormap {cmap:?}; the colormaps are {}", COLORMAPS.join(", ")))?;
    if width == 0 || height == 0 || width > u32::MAX as usize || height > u32::MAX as usize {
        return Err(format!("cannot write an image of {height} × {width} pixels"));
    }
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let lo = vmin.unwrap_or_else(|| finite.clone().fold(f64::INFINITY, f64::min));
    let hi = vmax.unwrap_or_else(|| finite.fold(f64::NEG_INFINITY, f64::max));
    let range = if hi > lo { hi - lo } else { 1.0 };
    let mut pixels = Vec::with_capacity(values.len() * 3);
    for &v in values {
        pixels.extend_from_slice(&color(anchors, (v - lo) / range));
    }
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, width as u32, height as u32);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| format!("cannot encode `{}`: {e}", path.display()))?;
        writer.write_image_data(&pixels).map_err(|e| format!("cannot encode `{}`: {e}", path.display()))?;
    }
    write_atomically(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colormap_ends_and_middle() {
        assert_eq!(color(&GRAY, 0.5), [128, 128, 128]);
        assert_eq!(color(&VIRIDIS, 0.0), [68, 1, 84]);
        assert_eq!(color(&VIRIDIS, 1.0), [253, 231, 37]);
        assert_eq!(color(&MAGMA, 2.0), [252, 253, 191]);
    }
}
