//! Singular values of an upper bidiagonal matrix by the dqds algorithm (differential
//! quotient-difference with shifts; Fernando & Parlett, Numer. Math. 67, 1994): the method
//! LAPACK uses when only values are wanted.
//!
//! Why not the bidiagonal QR of [`super::bdsqr`]: each QR step costs two square roots and
//! several divisions in one dependent chain; a dqds step costs one division. At 128×128 this
//! made the bidiagonal phase about as expensive as the whole bidiagonalisation.
//!
//! The qd array (q, e) holds the squares of B's diagonal and superdiagonal. A transform with
//! shift τ produces B̂ with B̂ᵀB̂ = BBᵀ − τI exactly in exact arithmetic, and it is stable
//! (every quantity stays positive) precisely when τ is below the smallest eigenvalue.
//!
//! **Shift strategy (our own, simpler than LAPACK's dlasq4).** A guaranteed lower bound of the
//! smallest eigenvalue follows from the first two inverse moments Σλᵢ⁻¹ and Σλᵢ⁻² of the array,
//! which a forward recurrence computes alongside the transform (a second, independent chain,
//! so it costs little; see `InverseMoments`): one Laguerre step from 0, which never passes the
//! smallest root of a polynomial with real roots and converges cubically. About four transforms
//! per value are needed on random matrices (`transforms_taken`). A transform that fails anyway
//! (by rounding) is redone with τ = 0, which cannot fail. Shifting further, between the bound and
//! dmin, was tried: the failures cost more than the saved sweeps.
//!
//! **Deflation.** An off-diagonal e with √e ≤ ε·‖B‖_F/√n is set to zero: by Weyl's inequality
//! this moves every singular value by at most ε·σ₁, the accuracy the numerical rank needs. At the
//! bottom, LAPACK's relative test e ≤ (100u)²·(σ + q) also deflates, and so does an isolated
//! last eigenvalue (`isolated_at_bottom`), usually a sweep before e itself is negligible; the
//! recurrence bounds the rest's eigenvalues as a by-product, and that bound is also the shift
//! for the rest. If the sweeps exceed a generous bound the caller falls back to bidiagonal QR.

/// (100·u)² with u = 2⁻⁵³ the unit roundoff: LAPACK's relative deflation tolerance, squared.
const RELATIVE_TOL_SQ: f64 = (100.0 * f64::EPSILON / 2.0) * (100.0 * f64::EPSILON / 2.0);

/// Transforms allowed per singular value before giving up (typical: ~4).
pub const SWEEPS_PER_VALUE: usize = 40;

/// Singular values of the upper bidiagonal (diagonal `d`, superdiagonal `e`), unsorted and
/// non-negative; `None` if the sweep bound was hit.
pub fn bidiagonal_singular_values(d: &[f64], e: &[f64]) -> Option<Vec<f64>> {
    bidiagonal_singular_values_within(d, e, SWEEPS_PER_VALUE)
}

/// [`bidiagonal_singular_values`] with `sweeps_per_value` transforms allowed per value (the
/// tests use 0 to exercise the caller's fallback).
pub fn bidiagonal_singular_values_within(
    d: &[f64],
    e: &[f64],
    sweeps_per_value: usize,
) -> Option<Vec<f64>> {
    let mut solver = Solver::new(d, e, sweeps_per_value);
    solver.run_alone().then_some(solver.out)
}

/// The singular values of two independent bidiagonals `(d, e)`, each exactly (bit for bit) as
/// [`bidiagonal_singular_values_within`] gives it, but faster than two calls.
///
/// Why: a dqds transform is one chain of dependent operations (an addition, a division, a
/// multiplication per entry, ~25 cycles of latency), so one solve leaves most of the CPU idle.
/// The transforms of two problems are interleaved entry by entry, and the CPU overlaps the two
/// chains: two solves take 57 % of the time of two calls natively, 75–85 % in WASM (V8's code
/// for the two chains is busier; running them in the two lanes of an f64x2 instead measured
/// the same in WASM and slower natively). The callers pair the spectra of consecutive layers.
pub fn bidiagonal_singular_values_pair(
    a: (&[f64], &[f64]),
    b: (&[f64], &[f64]),
    sweeps_per_value: usize,
) -> (Option<Vec<f64>>, Option<Vec<f64>>) {
    let mut sa = Solver::new(a.0, a.1, sweeps_per_value);
    let mut sb = Solver::new(b.0, b.1, sweeps_per_value);
    let (ok_a, ok_b) = loop {
        match (sa.next(), sb.next()) {
            (Next::Transform, Next::Transform) => {
                let (mut ca, mut cb) = (sa.chain(), sb.chain());
                let common = ca.steps().min(cb.steps());
                Chain::run_together(&mut ca, &mut cb, common);
                ca.run(common);
                cb.run(common);
                let (ra, rb) = (ca.finish(), cb.finish());
                sa.accept(ra);
                sb.accept(rb);
            }
            (Next::Transform, b_end) => break (sa.finish_alone(), b_end == Next::Done),
            (a_end, Next::Transform) => break (a_end == Next::Done, sb.finish_alone()),
            (a_end, b_end) => break (a_end == Next::Done, b_end == Next::Done),
        }
    };
    (ok_a.then_some(sa.out), ok_b.then_some(sb.out))
}

/// The number of dqds transforms [`bidiagonal_singular_values`] takes on (d, e): what the
/// shift and deflation strategy decide (`examples/kernels.rs` reports it; a test bounds it).
pub fn transforms_taken(d: &[f64], e: &[f64]) -> Option<usize> {
    let mut solver = Solver::new(d, e, SWEEPS_PER_VALUE);
    solver.run_alone().then_some(solver.sweeps)
}

/// What a [`Solver`] needs next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Next {
    /// A transform of the active block with its shift ([`Solver::chain`]).
    Transform,
    /// Every value is found.
    Done,
    /// The sweep bound was hit.
    GaveUp,
}

/// A block being solved: rows lo..=hi, which of the two arrays holds its current values, the
/// shift accumulated so far, the next shift (NaN: unknown, computed before the first transform)
/// and a lower bound of the smallest eigenvalue of the block without its last row and column
/// (NaN when unknown; known after each transform).
#[derive(Clone, Copy)]
struct Block {
    lo: usize,
    hi: usize,
    which: usize,
    sigma: f64,
    tau: f64,
    lead: f64,
}

/// One dqds solve as a state machine, so that two solves can share their transforms' loops:
/// [`Solver::next`] does the deflation and splitting up to the next transform, the caller runs
/// the transform ([`Solver::chain`]) and hands its outcome to [`Solver::accept`].
///
/// The qd array is kept twice: a transform reads a block from one copy and writes it into the
/// same rows of the other, and the block then lives there (`Block::which`). Copying it back
/// after each transform cost two copies per transform, each a call into the engine in WASM.
struct Solver {
    q: [Vec<f64>; 2],
    ee: [Vec<f64>; 2],
    out: Vec<f64>,
    /// Off-diagonals below this (squared) are negligible in absolute terms.
    thresh: f64,
    /// Blocks still to solve: (lo, hi, which copy holds them, accumulated shift).
    blocks: Vec<(usize, usize, usize, f64)>,
    active: Option<Block>,
    sweeps: usize,
    max_sweeps: usize,
}

impl Solver {
    fn new(d: &[f64], e: &[f64], sweeps_per_value: usize) -> Solver {
        let n = d.len();
        debug_assert!(e.len() + 1 == n || n == 0);
        let q: Vec<f64> = d.iter().map(|x| x * x).collect();
        let ee: Vec<f64> = e.iter().map(|x| x * x).collect();
        let frobenius_sq: f64 = q.iter().sum::<f64>() + ee.iter().sum::<f64>();
        Solver {
            thresh: f64::EPSILON * f64::EPSILON * frobenius_sq / n.max(1) as f64,
            q: [q, vec![0.0; n]],
            ee: [ee, vec![0.0; n.saturating_sub(1)]],
            out: vec![0.0; n],
            blocks: if n == 0 {
                Vec::new()
            } else {
                vec![(0, n - 1, 0, 0.0)]
            },
            active: None,
            sweeps: 0,
            max_sweeps: sweeps_per_value * n.max(1),
        }
    }

    /// Solves to the end without a partner; false if the sweep bound was hit.
    fn run_alone(&mut self) -> bool {
        match self.next() {
            Next::Transform => self.finish_alone(),
            Next::Done => true,
            Next::GaveUp => false,
        }
    }

    /// Runs the transform that [`Solver::next`] asked for, then solves to the end alone.
    fn finish_alone(&mut self) -> bool {
        loop {
            let mut chain = self.chain();
            chain.run(0);
            let result = chain.finish();
            self.accept(result);
            match self.next() {
                Next::Transform => {}
                Next::Done => return true,
                Next::GaveUp => return false,
            }
        }
    }

    /// Deflates converged values, splits and finishes blocks until a transform is due (the
    /// active block then holds its shift) or nothing is left.
    fn next(&mut self) -> Next {
        let out = &mut self.out;
        loop {
            let mut b = match self.active.take() {
                Some(b) => b,
                None => match self.blocks.pop() {
                    Some((lo, hi, which, sigma)) => Block {
                        lo,
                        hi,
                        which,
                        sigma,
                        tau: f64::NAN,
                        lead: f64::NAN,
                    },
                    None => return Next::Done,
                },
            };
            let (lo, hi, sigma) = (b.lo, b.hi, b.sigma);
            let (q, ee) = (&self.q[b.which], &mut self.ee[b.which]);
            if hi == lo {
                out[lo] = (sigma + q[lo]).sqrt();
                continue;
            }
            // Deflate converged values at the bottom: absolutely negligible, or small relative
            // to the value itself (LAPACK dlasq3's test, which keeps relative accuracy).
            if ee[hi - 1] <= self.thresh || ee[hi - 1] <= RELATIVE_TOL_SQ * (sigma + q[hi]) {
                out[hi] = (sigma + q[hi]).sqrt();
                // The leading block is the new block: its bound is the next shift.
                self.active = Some(Block {
                    hi: hi - 1,
                    tau: b.lead,
                    lead: f64::NAN,
                    ..b
                });
                continue;
            }
            if isolated_at_bottom(q[hi - 1], ee[hi - 1], q[hi], b.lead, sigma) {
                out[hi] = (sigma + q[hi] + ee[hi - 1]).sqrt();
                self.active = Some(Block {
                    hi: hi - 1,
                    tau: b.lead,
                    lead: f64::NAN,
                    ..b
                });
                continue;
            }
            if hi == lo + 1 {
                let (small, large) =
                    super::bdsqr::two_by_two(q[lo].sqrt(), ee[lo].sqrt(), q[hi].sqrt());
                out[lo] = (sigma + large * large).sqrt();
                out[hi] = (sigma + small * small).sqrt();
                continue;
            }
            // Split at a negligible interior off-diagonal: the upper part waits on the stack.
            if let Some(i) = (lo..hi - 1).rev().find(|&i| ee[i] <= self.thresh) {
                ee[i] = 0.0;
                self.blocks.push((lo, i, b.which, sigma));
                self.blocks.push((i + 1, hi, b.which, sigma));
                continue;
            }
            if b.tau.is_nan() {
                b.tau = inverse_moment_bound(&q[lo..=hi], &ee[lo..hi]);
            }
            self.sweeps += 1;
            self.active = Some(b);
            if self.sweeps > self.max_sweeps {
                return Next::GaveUp;
            }
            return Next::Transform;
        }
    }

    /// The transform [`Solver::next`] asked for, ready to run: from the block's copy of the
    /// array into the same rows of the other.
    fn chain(&mut self) -> Chain<'_> {
        let b = self.active.expect("a transform is due");
        let ([q0, q1], [e0, e1]) = (&mut self.q, &mut self.ee);
        let (q, tq, e, te) = if b.which == 0 {
            (&*q0, q1, &*e0, e1)
        } else {
            (&*q1, q0, &*e1, e0)
        };
        Chain::new(
            &q[b.lo..=b.hi],
            &e[b.lo..b.hi],
            b.tau,
            &mut tq[b.lo..=b.hi],
            &mut te[b.lo..b.hi],
        )
    }

    /// Takes the transform's outcome: the new array and shifts, or (it failed) a retry with
    /// τ = 0, which cannot fail.
    fn accept(&mut self, result: Option<(f64, f64)>) {
        let b = self.active.as_mut().expect("a transform was due");
        match result {
            None => b.tau = 0.0,
            Some((next, lead)) => {
                b.which = 1 - b.which;
                b.sigma += b.tau;
                b.tau = next;
                b.lead = lead;
            }
        }
    }
}

/// One dqds transform with shift τ of (q, e) into (q̂, ê) = (tq, te), run entry by entry
/// ([`Chain::run`], [`Chain::run_together`]). Failure (τ too large: a negative or NaN d) is
/// recorded, not branched on, so that two chains can run in one loop; the rest of a failed
/// transform is wasted work only.
struct Chain<'a> {
    q: &'a [f64],
    e: &'a [f64],
    tq: &'a mut [f64],
    te: &'a mut [f64],
    state: Recurrence,
}

/// The values a transform carries from one entry to the next.
struct Recurrence {
    tau: f64,
    d: f64,
    /// ê of the previous entry (0 before the first).
    e_before: f64,
    moments: InverseMoments,
    ok: bool,
}

impl Recurrence {
    /// Entry i of the transform from eᵢ and qᵢ₊₁: returns (q̂ᵢ, êᵢ).
    #[inline(always)]
    fn step(&mut self, e: f64, q_next: f64) -> (f64, f64) {
        let qh = self.d + e;
        let t = q_next / qh;
        let eh = e * t;
        self.moments.push(qh, self.e_before);
        self.e_before = eh;
        self.d = self.d * t - self.tau;
        // False for a negative d and for NaN.
        self.ok &= self.d >= 0.0;
        (qh, eh)
    }
}

/// The entries from..to of a transform, as zipped slices of equal length: no index to check.
macro_rules! entries {
    ($c:expr, $from:expr, $to:expr) => {
        $c.e[$from..$to]
            .iter()
            .zip(&$c.q[$from + 1..=$to])
            .zip($c.tq[$from..$to].iter_mut().zip(&mut $c.te[$from..$to]))
    };
}

impl<'a> Chain<'a> {
    fn new(q: &'a [f64], e: &'a [f64], tau: f64, tq: &'a mut [f64], te: &'a mut [f64]) -> Self {
        let d = q[0] - tau;
        Chain {
            q,
            e,
            tq,
            te,
            state: Recurrence {
                tau,
                d,
                e_before: 0.0,
                moments: InverseMoments::new(),
                ok: d >= 0.0,
            },
        }
    }

    /// Entries to step through (the array's length − 1).
    fn steps(&self) -> usize {
        self.e.len()
    }

    /// Runs the entries from `from` to the end.
    #[inline(always)]
    fn run(&mut self, from: usize) {
        let to = self.steps();
        for ((&e, &q_next), (tq, te)) in entries!(self, from, to) {
            (*tq, *te) = self.state.step(e, q_next);
        }
    }

    /// Runs the first `count` entries of two transforms, interleaved: the CPU overlaps their
    /// two chains of dependent operations.
    #[inline(always)]
    fn run_together(a: &mut Chain, b: &mut Chain, count: usize) {
        let both = entries!(a, 0, count).zip(entries!(b, 0, count));
        for (((&ea, &qa), (tqa, tea)), ((&eb, &qb), (tqb, teb))) in both {
            (*tqa, *tea) = a.state.step(ea, qa);
            (*tqb, *teb) = b.state.step(eb, qb);
        }
    }

    /// Lower bounds of the new smallest eigenvalue (the next shift) and of that of the new
    /// array without its last row and column, or `None` if τ was too large.
    fn finish(mut self) -> Option<(f64, f64)> {
        let s = &mut self.state;
        if !s.ok {
            return None;
        }
        let n = self.q.len();
        self.tq[n - 1] = s.d;
        let lead = s.moments.lower_bound(n - 1);
        s.moments.push(s.d, s.e_before);
        Some((s.moments.lower_bound(n), lead))
    }
}

/// Whether the last eigenvalue is converged to relative accuracy ε although e (the last
/// off-diagonal) is not yet negligible. In BᵀB the last row is (√(q_prev·e), q + e) and the rest
/// is exactly the leading block B₁ᵀB₁, whose eigenvalues are at least `lead`. If q + e lies below
/// them, the smallest eigenvalue is within q_prev·e / (lead − q − e) of q + e (the quadratic
/// residual bound for an isolated eigenvalue; Li & Li, 2005), and dropping e leaves B₁ exactly.
/// This deflates about one sweep earlier than the test on e alone.
#[inline]
fn isolated_at_bottom(q_prev: f64, e: f64, q: f64, lead: f64, sigma: f64) -> bool {
    let value = q + e;
    let gap = lead - value;
    gap > 0.0 && q_prev * e <= f64::EPSILON * (sigma + value) * gap
}

/// The Laguerre lower bound of the smallest eigenvalue of the qd array (q, e), from scratch
/// (before a block's first transform; afterwards each transform yields it).
fn inverse_moment_bound(q: &[f64], e: &[f64]) -> f64 {
    let mut moments = InverseMoments::new();
    for (i, &qi) in q.iter().enumerate() {
        moments.push(qi, if i == 0 { 0.0 } else { e[i - 1] });
    }
    moments.lower_bound(q.len())
}

/// Accumulates Σλᵢ⁻² = ‖(BᵀB)⁻¹‖²_F = ‖MᵀM‖²_F for M = B⁻¹, column by column, in O(n).
///
/// Column j+1 of the upper-triangular M agrees with column j scaled by −b_j/a_{j+1} above the
/// diagonal, so (MᵀM)_{jk} = ρ_{kj}·c_j for k > j, with c_j = ‖column j‖² and
/// ρ²_{kj} = Π_{l=j}^{k−1} e_l/q_{l+1}. Hence ‖MᵀM‖²_F = Σ c_j² + 2·Σ_k F_k with
/// F_{k+1} = (e_k/q_{k+1})·(F_k + c_k²), and c_{k+1} = (1 + e_k·c_k)/q_{k+1}.
/// Σλ⁻¹ = Σ c_j rides along. From both, one Laguerre step from 0 for the characteristic
/// polynomial (degree n, real roots), L = n / (S₁ + √((n−1)(n·S₂ − S₁²))), is a lower bound of
/// λ_min at least as tight as (Σλ⁻²)^(−1/2) (equal when n = 1 or all λ coincide), which is
/// itself far tighter than 1/Σλ⁻¹ when the smallest eigenvalues are spread.
struct InverseMoments {
    c: f64,
    f: f64,
    sum: f64,
    /// Σλᵢ⁻¹ = trace((BᵀB)⁻¹) = Σ c_j.
    trace: f64,
}

impl InverseMoments {
    fn new() -> Self {
        InverseMoments {
            c: 0.0,
            f: 0.0,
            sum: 0.0,
            trace: 0.0,
        }
    }

    /// Adds column k with diagonal q_k, given the off-diagonal e_{k−1} before it (0 for k = 0).
    #[inline]
    fn push(&mut self, qk: f64, e_before: f64) {
        let inv = 1.0 / qk;
        self.f = e_before * inv * (self.f + self.c * self.c);
        self.c = (1.0 + e_before * self.c) * inv;
        self.sum += self.c * self.c + 2.0 * self.f;
        self.trace += self.c;
    }

    /// A hair below the Laguerre bound, against rounding; 0 when it is not finite and positive.
    fn lower_bound(&self, n: usize) -> f64 {
        let nf = n as f64;
        // n·S₂ − S₁² ≥ 0 (Cauchy–Schwarz) up to rounding.
        let disc = (nf - 1.0) * (nf * self.sum - self.trace * self.trace);
        let root = if disc > 0.0 { disc.sqrt() } else { 0.0 };
        let laguerre = nf / (self.trace + root);
        let bound = (1.0 - 8.0 * n as f64 * f64::EPSILON) * laguerre;
        if bound.is_finite() && bound > 0.0 {
            bound
        } else {
            0.0
        }
    }
}
