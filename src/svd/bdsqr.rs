//! Singular values of an upper bidiagonal matrix by implicit QR with Demmel–Kahan zero shifts
//! and relative-accuracy convergence tests: the values-only path of LAPACK's dbdsqr
//! (Demmel & Kahan, SIAM J. Sci. Stat. Comput. 11, 1990), without rotation accumulation.
//!
//! Indices are 0-based: `d[i]` is the diagonal, `e[i]` couples `d[i]` and `d[i+1]`.

/// Sweeps allowed, in units of n² inner rotations (LAPACK's MAXITR).
const MAX_ITER_FACTOR: usize = 6;

/// The sweeps did not converge within the bound (never seen on finite input; a guard).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoConvergence {
    pub rotations: usize,
}

/// A plane rotation (c, s, r) with [c s; −s c]·[f; g] = [r; 0] (LAPACK 3.10 dlartg).
#[inline]
fn rotation(f: f64, g: f64) -> (f64, f64, f64) {
    if g == 0.0 {
        return (1.0, 0.0, f);
    }
    if f == 0.0 {
        return (0.0, g.signum(), g.abs());
    }
    let sq = f * f + g * g;
    // Squares are safe for |f|, |g| in [1e-145, 1e145]; outside that, hypot scales.
    let d = if sq > 1e-290 && sq < 1e290 {
        sq.sqrt()
    } else {
        f.hypot(g)
    };
    let r = d.copysign(f);
    (f.abs() / d, g / r, r)
}

/// Singular values (smaller, larger) of the 2×2 triangle [f g; 0 h] (LAPACK dlas2).
pub(crate) fn two_by_two(f: f64, g: f64, h: f64) -> (f64, f64) {
    let (fa, ga, ha) = (f.abs(), g.abs(), h.abs());
    let (fhmn, fhmx) = (fa.min(ha), fa.max(ha));
    if fhmn == 0.0 {
        let max = if fhmx == 0.0 {
            ga
        } else {
            let (lo, hi) = (fhmx.min(ga), fhmx.max(ga));
            hi * (1.0 + (lo / hi) * (lo / hi)).sqrt()
        };
        return (0.0, max);
    }
    if ga < fhmx {
        let s = 1.0 + fhmn / fhmx;
        let t = (fhmx - fhmn) / fhmx;
        let u = (ga / fhmx) * (ga / fhmx);
        let c = 2.0 / ((s * s + u).sqrt() + (t * t + u).sqrt());
        return (fhmn * c, fhmx / c);
    }
    let u = fhmx / ga;
    if u == 0.0 {
        // Avoids underflow of fhmn·fhmx/ga² when ga dwarfs the diagonal.
        return ((fhmn * fhmx) / ga, ga);
    }
    let s = 1.0 + fhmn / fhmx;
    let t = (fhmx - fhmn) / fhmx;
    let c = 1.0 / ((1.0 + (s * u) * (s * u)).sqrt() + (1.0 + (t * u) * (t * u)).sqrt());
    (2.0 * (fhmn * c) * u, ga / (c + c))
}

/// Which end of the block the chase starts from: from the larger diagonal end.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Down,
    Up,
}

/// Overwrites `d` with the singular values of the bidiagonal (d, e), unsorted and signed;
/// `e` is destroyed.
pub fn bidiagonal_singular_values(d: &mut [f64], e: &mut [f64]) -> Result<(), NoConvergence> {
    let n = d.len();
    debug_assert!(e.len() + 1 == n || n == 0);
    if n <= 1 {
        return Ok(());
    }
    let eps = f64::EPSILON / 2.0; // LAPACK's dlamch('Epsilon'): the unit roundoff.
    let unfl = f64::MIN_POSITIVE;
    let tol = 10f64.max(100f64.min(eps.powf(-0.125))) * eps;
    let max_rotations = MAX_ITER_FACTOR * n * n;

    // Threshold for negligible off-diagonals: tol times an estimate of the smallest value.
    let mut sminoa = d[0].abs();
    if sminoa != 0.0 {
        let mut mu = sminoa;
        for i in 1..n {
            mu = d[i].abs() * (mu / (mu + e[i - 1].abs()));
            sminoa = sminoa.min(mu);
            if sminoa == 0.0 {
                break;
            }
        }
    }
    sminoa /= (n as f64).sqrt();
    let thresh = (tol * sminoa).max(MAX_ITER_FACTOR as f64 * (n as f64 * (n as f64 * unfl)));

    let mut rotations = 0usize;
    let mut old_block = (usize::MAX, usize::MAX);
    let mut dir = Direction::Down;
    let mut hi = n - 1; // bottom of the active part
    'outer: while hi > 0 {
        if rotations > max_rotations {
            return Err(NoConvergence { rotations });
        }
        // Find the unreduced block lo..=hi: scan up for a negligible off-diagonal.
        let mut smax = d[hi].abs();
        let mut lo = 0;
        for i in (0..hi).rev() {
            let (abss, abse) = (d[i].abs(), e[i].abs());
            if abse <= thresh {
                e[i] = 0.0;
                if i == hi - 1 {
                    hi -= 1;
                    continue 'outer;
                }
                lo = i + 1;
                break;
            }
            smax = smax.max(abss).max(abse);
        }
        if lo == hi - 1 {
            // A 2×2 block: solved directly.
            let (small, large) = two_by_two(d[lo], e[lo], d[hi]);
            d[lo] = large;
            d[hi] = small;
            e[lo] = 0.0;
            if hi < 2 {
                break;
            }
            hi -= 2;
            continue;
        }
        // A new block chases from its larger end.
        if old_block.1 == usize::MAX || lo > old_block.1 || hi < old_block.0 {
            dir = if d[lo].abs() >= d[hi].abs() {
                Direction::Down
            } else {
                Direction::Up
            };
        }
        // Convergence tests, with the running estimate sminl of the smallest value.
        let sminl;
        if dir == Direction::Down {
            if e[hi - 1].abs() <= tol * d[hi].abs() {
                e[hi - 1] = 0.0;
                continue;
            }
            let mut mu = d[lo].abs();
            let mut smin = mu;
            for i in lo..hi {
                if e[i].abs() <= tol * mu {
                    e[i] = 0.0;
                    continue 'outer;
                }
                mu = d[i + 1].abs() * (mu / (mu + e[i].abs()));
                smin = smin.min(mu);
            }
            sminl = smin;
        } else {
            if e[lo].abs() <= tol * d[lo].abs() {
                e[lo] = 0.0;
                continue;
            }
            let mut mu = d[hi].abs();
            let mut smin = mu;
            for i in (lo..hi).rev() {
                if e[i].abs() <= tol * mu {
                    e[i] = 0.0;
                    continue 'outer;
                }
                mu = d[i].abs() * (mu / (mu + e[i].abs()));
                smin = smin.min(mu);
            }
            sminl = smin;
        }
        old_block = (lo, hi);

        // Shift: zero if the smallest value is tiny relative to the largest (keeps relative
        // accuracy), else the smaller value of the trailing (or leading) 2×2.
        let mut shift = 0.0;
        if (n as f64) * tol * (sminl / smax) > eps.max(0.01 * tol) {
            let (sll, (s, _)) = if dir == Direction::Down {
                (d[lo].abs(), two_by_two(d[hi - 1], e[hi - 1], d[hi]))
            } else {
                (d[hi].abs(), two_by_two(d[lo], e[lo], d[lo + 1]))
            };
            shift = s;
            if sll > 0.0 && (shift / sll) * (shift / sll) < eps {
                shift = 0.0;
            }
        }
        rotations += hi - lo;
        match (shift == 0.0, dir) {
            (true, Direction::Down) => zero_shift_down(d, e, lo, hi, thresh),
            (true, Direction::Up) => zero_shift_up(d, e, lo, hi, thresh),
            (false, Direction::Down) => shifted_down(d, e, lo, hi, shift, thresh),
            (false, Direction::Up) => shifted_up(d, e, lo, hi, shift, thresh),
        }
    }
    Ok(())
}

/// One Demmel–Kahan zero-shift sweep from the top of lo..=hi.
fn zero_shift_down(d: &mut [f64], e: &mut [f64], lo: usize, hi: usize, thresh: f64) {
    let (mut cs, mut oldcs, mut oldsn) = (1.0, 1.0, 0.0);
    for i in lo..hi {
        let (c, sn, r) = rotation(d[i] * cs, e[i]);
        cs = c;
        if i > lo {
            e[i - 1] = oldsn * r;
        }
        let (oc, os, di) = rotation(oldcs * r, d[i + 1] * sn);
        oldcs = oc;
        oldsn = os;
        d[i] = di;
    }
    let h = d[hi] * cs;
    d[hi] = h * oldcs;
    e[hi - 1] = h * oldsn;
    if e[hi - 1].abs() <= thresh {
        e[hi - 1] = 0.0;
    }
}

/// One Demmel–Kahan zero-shift sweep from the bottom of lo..=hi.
fn zero_shift_up(d: &mut [f64], e: &mut [f64], lo: usize, hi: usize, thresh: f64) {
    let (mut cs, mut oldcs, mut oldsn) = (1.0, 1.0, 0.0);
    for i in (lo + 1..=hi).rev() {
        let (c, sn, r) = rotation(d[i] * cs, e[i - 1]);
        cs = c;
        if i < hi {
            e[i] = oldsn * r;
        }
        let (oc, os, di) = rotation(oldcs * r, d[i - 1] * sn);
        oldcs = oc;
        oldsn = os;
        d[i] = di;
    }
    let h = d[lo] * cs;
    d[lo] = h * oldcs;
    e[lo] = h * oldsn;
    if e[lo].abs() <= thresh {
        e[lo] = 0.0;
    }
}

/// One shifted implicit QR sweep (bulge chase) from the top of lo..=hi.
fn shifted_down(d: &mut [f64], e: &mut [f64], lo: usize, hi: usize, shift: f64, thresh: f64) {
    let mut f = (d[lo].abs() - shift) * (1f64.copysign(d[lo]) + shift / d[lo]);
    let mut g = e[lo];
    for i in lo..hi {
        let (cosr, sinr, r) = rotation(f, g);
        if i > lo {
            e[i - 1] = r;
        }
        f = cosr * d[i] + sinr * e[i];
        e[i] = cosr * e[i] - sinr * d[i];
        g = sinr * d[i + 1];
        d[i + 1] *= cosr;
        let (cosl, sinl, r) = rotation(f, g);
        d[i] = r;
        f = cosl * e[i] + sinl * d[i + 1];
        d[i + 1] = cosl * d[i + 1] - sinl * e[i];
        if i + 1 < hi {
            g = sinl * e[i + 1];
            e[i + 1] *= cosl;
        }
    }
    e[hi - 1] = f;
    if e[hi - 1].abs() <= thresh {
        e[hi - 1] = 0.0;
    }
}

/// One shifted implicit QR sweep (bulge chase) from the bottom of lo..=hi.
fn shifted_up(d: &mut [f64], e: &mut [f64], lo: usize, hi: usize, shift: f64, thresh: f64) {
    let mut f = (d[hi].abs() - shift) * (1f64.copysign(d[hi]) + shift / d[hi]);
    let mut g = e[hi - 1];
    for i in (lo + 1..=hi).rev() {
        let (cosr, sinr, r) = rotation(f, g);
        if i < hi {
            e[i] = r;
        }
        f = cosr * d[i] + sinr * e[i - 1];
        e[i - 1] = cosr * e[i - 1] - sinr * d[i];
        g = sinr * d[i - 1];
        d[i - 1] *= cosr;
        let (cosl, sinl, r) = rotation(f, g);
        d[i] = r;
        f = cosl * e[i - 1] + sinl * d[i - 1];
        d[i - 1] = cosl * d[i - 1] - sinl * e[i - 1];
        if i > lo + 1 {
            g = sinl * e[i - 2];
            e[i - 2] *= cosl;
        }
    }
    e[lo] = f;
    if e[lo].abs() <= thresh {
        e[lo] = 0.0;
    }
}
