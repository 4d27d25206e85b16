//! The product of the few rows of one query with a layer's weights, read
//! where they lie, in 32-bit or 16-bit floats. A query of a dozen tokens
//! does a few multiplications per weight, so its products wait on reading
//! the weights from memory (a triage profile on a large FAQ:
//! `matrixmultiply` 60 % of the time, most of it in copying the weights
//! into panels, which is where they are first read). Each block of sixteen
//! output columns is read once, as stored, and multiplied with every row
//! while it is in the cache; 16-bit weights halve what is read and are
//! made 32-bit in the register, the sums are 32-bit. With AVX2, FMA and
//! F16C only (x86-64, checked at run time); elsewhere the caller keeps
//! `matrixmultiply`.

use std::ops::Range;

/// Whether this CPU runs the kernel: AVX2, FMA and F16C (x86-64).
pub(super) fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
            && std::arch::is_x86_feature_detected!("f16c")
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// `y += x W` for the columns `cols` of `w`: `x` is rows × `inner`
/// (row-major), `w` is `inner` × `out` (row-major: a layer's `W^T`), `y`
/// is rows × `cols.len()` (row-major). `false`, with `y` untouched, where
/// the CPU does not run the kernel ([`available`]).
pub(super) fn add_product<T: Weight>(
    x: &[f32],
    rows: usize,
    inner: usize,
    w: &[T],
    out: usize,
    cols: Range<usize>,
    y: &mut [f32],
) -> bool {
    let size = |a: usize, b: usize| a.checked_mul(b);
    assert!(
        Some(x.len()) == size(rows, inner)
            && Some(w.len()) == size(inner, out)
            && cols.start <= cols.end
            && cols.end <= out
            && Some(y.len()) == size(rows, cols.len())
    );
    if rows == 0 || inner == 0 || cols.is_empty() {
        // Nothing to add (and no weight to point at).
        return available();
    }
    #[cfg(target_arch = "x86_64")]
    if available() {
        // SAFETY: the CPU has AVX2, FMA and F16C (checked above), and the
        // sizes are as asserted, which is all `avx2::add_product` reads and
        // writes.
        unsafe { avx2::add_product(x, rows, inner, w, out, cols, y) };
        return true;
    }
    let _ = (x, rows, inner, w, out, cols, y);
    false
}

/// A weight as the kernel reads it: a 32-bit float, or a 16-bit one made
/// 32-bit in the register.
pub(super) trait Weight: Copy {
    /// Eight weights from `p` as 32-bit floats.
    ///
    /// # Safety
    /// AVX2 and F16C; `p` points at eight weights.
    #[cfg(target_arch = "x86_64")]
    unsafe fn load8(p: *const Self) -> std::arch::x86_64::__m256;
    /// One weight as a 32-bit float.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    fn value(self) -> f32;
}

impl Weight for f32 {
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,f16c")]
    #[inline]
    unsafe fn load8(p: *const f32) -> std::arch::x86_64::__m256 {
        // SAFETY: as the caller promises.
        unsafe { std::arch::x86_64::_mm256_loadu_ps(p) }
    }
    fn value(self) -> f32 {
        self
    }
}

impl Weight for half::f16 {
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,f16c")]
    #[inline]
    unsafe fn load8(p: *const half::f16) -> std::arch::x86_64::__m256 {
        use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm256_cvtph_ps};
        // SAFETY: as the caller promises (F16C for the conversion).
        unsafe { _mm256_cvtph_ps(_mm_loadu_si128(p.cast::<__m128i>())) }
    }
    fn value(self) -> f32 {
        self.to_f32()
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        __m256, _mm256_add_ps, _mm256_broadcast_ss, _mm256_fmadd_ps, _mm256_loadu_ps,
        _mm256_setzero_ps, _mm256_storeu_ps,
    };
    use std::ops::Range;

    use super::Weight;

    /// Output columns of a block: two registers of eight.
    const COLS: usize = 16;
    /// Rows of a block: 4 × 2 sums, two weight registers and the broadcast
    /// input take 11 of the 16 registers.
    const ROWS: usize = 4;

    /// [`super::add_product`] with AVX2, FMA and F16C.
    ///
    /// # Safety
    /// The CPU has AVX2, FMA and F16C, and the sizes are as
    /// [`super::add_product`] asserts.
    #[target_feature(enable = "avx2,fma,f16c")]
    pub(super) unsafe fn add_product<T: Weight>(
        x: &[f32],
        rows: usize,
        inner: usize,
        w: &[T],
        out: usize,
        cols: Range<usize>,
        y: &mut [f32],
    ) {
        let width = cols.len();
        let blocked = width / COLS * COLS;
        let (xp, yp) = (x.as_ptr(), y.as_mut_ptr());
        for c in (0..blocked).step_by(COLS) {
            // SAFETY: column cols.start + c + 15 < cols.end <= out, and
            // every row k < inner of `w` is read at k × out from here.
            let wp = unsafe { w.as_ptr().add(cols.start + c) };
            let mut r = 0;
            while r + ROWS <= rows {
                // SAFETY: rows r..r + ROWS exist in `x` and `y`, columns
                // c..c + 16 in `y` (c + 16 <= blocked <= width).
                unsafe { block::<T, ROWS>(xp, r, inner, wp, out, yp, width, c) };
                r += ROWS;
            }
            // SAFETY: as above, for the rows left.
            unsafe {
                match rows - r {
                    3 => block::<T, 3>(xp, r, inner, wp, out, yp, width, c),
                    2 => block::<T, 2>(xp, r, inner, wp, out, yp, width, c),
                    1 => block::<T, 1>(xp, r, inner, wp, out, yp, width, c),
                    _ => {}
                }
            }
        }
        // The last columns of a width that is not a multiple of 16.
        for r in 0..rows {
            let xr = &x[r * inner..][..inner];
            for c in blocked..width {
                let column = cols.start + c;
                let sum = xr
                    .iter()
                    .enumerate()
                    .fold(0f32, |s, (k, v)| v.mul_add(w[k * out + column].value(), s));
                y[r * width + c] += sum;
            }
        }
    }

    /// `M` rows from `r0` of `y`, columns `c..c + 16`, plus their product:
    /// each weight row's 16 values loaded once for the `M` rows.
    ///
    /// # Safety
    /// AVX2, FMA and F16C; `x` holds rows r0..r0 + M of `inner` values, `w` holds
    /// `inner` rows of 16 values at stride `out`, `y` rows r0..r0 + M of
    /// `width` values with c + 16 <= width.
    #[target_feature(enable = "avx2,fma,f16c")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn block<T: Weight, const M: usize>(
        x: *const f32,
        r0: usize,
        inner: usize,
        w: *const T,
        out: usize,
        y: *mut f32,
        width: usize,
        c: usize,
    ) {
        let mut sums: [[__m256; 2]; M] = [[_mm256_setzero_ps(); 2]; M];
        for k in 0..inner {
            // SAFETY: as the caller promises.
            unsafe {
                let w0 = T::load8(w.add(k * out));
                let w1 = T::load8(w.add(k * out + 8));
                for (i, s) in sums.iter_mut().enumerate() {
                    let v = _mm256_broadcast_ss(&*x.add((r0 + i) * inner + k));
                    s[0] = _mm256_fmadd_ps(v, w0, s[0]);
                    s[1] = _mm256_fmadd_ps(v, w1, s[1]);
                }
            }
        }
        for (i, s) in sums.iter().enumerate() {
            // SAFETY: as the caller promises.
            unsafe {
                let p = y.add((r0 + i) * width + c);
                _mm256_storeu_ps(p, _mm256_add_ps(_mm256_loadu_ps(p), s[0]));
                _mm256_storeu_ps(p.add(8), _mm256_add_ps(_mm256_loadu_ps(p.add(8)), s[1]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// The kernel adds what a plain triple loop does (in f64), for rows left
    /// over after blocks of four (1–3) and widths not a multiple of 16,
    /// whole or for a range of columns, onto what `y` held; with 16-bit
    /// weights, the product of the weights as rounded.
    #[test]
    fn the_kernel_adds_the_product_of_any_shape() {
        let mut rng = StdRng::seed_from_u64(11);
        for (rows, inner, out, cols) in [
            (1usize, 8usize, 16usize, 0..16usize),
            (9, 384, 1536, 0..1536),
            (5, 384, 1536, 768..1536),
            (3, 20, 2001, 1000..2001),
            (7, 33, 40, 3..40),
            (2, 1536, 384, 0..384),
            (6, 5, 7, 0..7),
        ] {
            let x: Vec<f32> = (0..rows * inner)
                .map(|_| rng.random_range(-1.0..3.0))
                .collect();
            let w: Vec<f32> = (0..inner * out)
                .map(|_| rng.random_range(-2.0..2.0))
                .collect();
            let width = cols.len();
            let start: Vec<f32> = (0..rows * width)
                .map(|_| rng.random_range(-2.0..2.0))
                .collect();
            let half: Vec<half::f16> = w.iter().map(|&v| half::f16::from_f32(v)).collect();
            let rounded: Vec<f32> = half.iter().map(|v| v.to_f32()).collect();
            let mut y32 = start.clone();
            let mut y16 = start.clone();
            let ran = super::add_product(&x, rows, inner, &w, out, cols.clone(), &mut y32);
            assert_eq!(
                ran,
                super::add_product(&x, rows, inner, &half, out, cols.clone(), &mut y16)
            );
            assert_eq!(ran, super::available());
            if !ran {
                assert_eq!(
                    (&y32, &y16),
                    (&start, &start),
                    "untouched without the kernel"
                );
                continue;
            }
            for (w, y) in [(&w, &y32), (&rounded, &y16)] {
                assert_adds(&x, rows, inner, w, out, &cols, &start, y);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn assert_adds(
        x: &[f32],
        rows: usize,
        inner: usize,
        w: &[f32],
        out: usize,
        cols: &std::ops::Range<usize>,
        start: &[f32],
        y: &[f32],
    ) {
        let width = cols.len();
        for r in 0..rows {
            for c in 0..width {
                let exact: f64 = f64::from(start[r * width + c])
                    + (0..inner)
                        .map(|k| {
                            f64::from(x[r * inner + k]) * f64::from(w[k * out + cols.start + c])
                        })
                        .sum::<f64>();
                let got = f64::from(y[r * width + c]);
                assert!(
                    (got - exact).abs() <= 1e-4 * (inner as f64).sqrt() * 3.0,
                    "{rows}×{inner}×{out} {cols:?} [{r}][{c}]: {got} vs {exact}"
                );
            }
        }
    }
}
