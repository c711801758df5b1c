//! The link format's contracts: round trip on generated parameters, errors that name the key.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rankscope::params::*;

fn pick<T: Copy>(rng: &mut StdRng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// A random valid Params, covering every key and both forms of the optional ones.
fn random_params(rng: &mut StdRng) -> Params {
    let depth = rng.random_range(1..=MAX_DEPTH);
    Params {
        depth,
        width: rng.random_range(MIN_DIM..=MAX_DIM),
        batch: rng.random_range(MIN_DIM..=MAX_DIM),
        act: pick(
            rng,
            &[Activation::Linear, Activation::Relu, Activation::Tanh],
        ),
        norm: pick(rng, &[Norm::None, Norm::Bn, Norm::Bn0, Norm::Ln]),
        init: pick(
            rng,
            &[Init::Gaussian, Init::Uniform, Init::Orthogonal, Init::Torch],
        ),
        gamma: if rng.random::<bool>() {
            // Anything from 1e-6 to 1e6 with full mantissa: tests the shortest-repr round trip.
            Some(10f64.powf(rng.random_range(-6.0..6.0)))
        } else {
            None
        },
        input: pick(rng, &[Input::Gaussian, Input::Correlated, Input::Rank1]),
        tau: rng.random::<f64>() * 0.999,
        seed: rng.random::<u64>(),
        seeds: rng.random_range(1..=MAX_SEEDS),
        every: if rng.random::<bool>() {
            Some(rng.random_range(1..=depth))
        } else {
            None
        },
        metric: pick(rng, &Metric::all().collect::<Vec<_>>()),
        xaxis: pick(rng, &[Axis::Lin, Axis::Log]),
        yaxis: pick(rng, &[Axis::Lin, Axis::Log]),
        detail: pick(rng, &[Detail::Spectrum, Detail::Top10]),
        view: pick(
            rng,
            &[ViewKind::Depth, ViewKind::Sweep, ViewKind::SweepFixedN],
        ),
        layer: if rng.random::<bool>() {
            Some(rng.random_range(0..=depth))
        } else {
            None
        },
        fs: if rng.random::<bool>() {
            rng.random_range(0.5..=MAX_FONT_SCALE)
        } else {
            1.0
        },
        embed: rng.random::<bool>(),
        hide: HIDEABLE
            .iter()
            .copied()
            .filter(|_| rng.random_range(0..4) == 0)
            .collect(),
        // A preset only sets defaults that the other keys override, so any params may carry one.
        preset: if rng.random_range(0..4) == 0 {
            Some(pick(rng, rankscope::presets::PRESETS).name)
        } else {
            None
        },
    }
}

#[test]
fn parse_serialise_parse_is_the_identity_on_generated_params() {
    let mut rng = StdRng::seed_from_u64(7);
    for _ in 0..20_000 {
        let p = random_params(&mut rng);
        let q = p.to_query();
        let back = Params::parse(&q).unwrap_or_else(|e| panic!("{q}: {e}"));
        assert_eq!(back, p, "{q}");
        assert_eq!(back.to_query(), q, "canonical form is stable");
    }
}

fn first_error(q: &str) -> ParamError {
    match Params::parse(q) {
        Ok(p) => panic!("`{q}` should be rejected, parsed as {p:?}"),
        Err(e) => e.0[0].clone(),
    }
}

#[test]
fn bad_values_name_the_key_the_value_and_what_is_allowed() {
    let cases = [
        ("depth=0", "depth", "1 to 50000"),
        ("depth=50001", "depth", "1 to 50000"),
        ("depth=-5", "depth", "1 to 50000"),
        ("depth=1e3", "depth", "integer"),
        ("depth=12.5", "depth", "integer"),
        ("depth=", "depth", "integer"),
        ("depth=99999999999999999999999", "depth", "integer"),
        ("width=1", "width", "2 to 512"),
        ("batch=513", "batch", "2 to 512"),
        ("act=sigmoid", "act", "linear, relu, tanh"),
        ("norm=BN", "norm", "none, bn, bn0, ln"),
        (
            "init=xavier",
            "init",
            "gaussian, uniform, orthogonal, torch",
        ),
        ("input=mnist", "input", "gaussian, correlated, rank1"),
        ("gamma=0", "gamma", "0 < γ"),
        ("gamma=-1", "gamma", "0 < γ"),
        ("gamma=inf", "gamma", "0 < γ"),
        ("gamma=NaN", "gamma", "0 < γ"),
        ("gamma=0x10", "gamma", "0 < γ"),
        ("tau=1", "tau", "0 ≤ τ < 1"),
        ("tau=-0.1", "tau", "0 ≤ τ < 1"),
        ("seed=-1", "seed", "integer"),
        ("seed=18446744073709551616", "seed", "integer"),
        ("seeds=0", "seeds", "1 to 32"),
        ("seeds=33", "seeds", "1 to 32"),
        ("every=0", "every", "1 to 50000"),
        ("depth=10&every=11", "every", "1 to depth (10)"),
        ("metric=rank", "metric", "soft_rank"),
        ("xaxis=loglog", "xaxis", "lin, log"),
        ("yaxis=sqrt", "yaxis", "lin, log"),
        ("detail=all", "detail", "spectrum, top10"),
        ("view=3d", "view", "depth, sweep"),
        ("depth=10&layer=11", "layer", "0 to depth (10)"),
        ("fs=0.1", "fs", "0.5 to 4"),
        ("fs=inf", "fs", "0.5 to 4"),
        ("embed=yes", "embed", "0 or 1"),
        ("hide=depth,bogus", "hide", "comma-separated list"),
        ("hide=", "hide", "comma-separated list"),
        ("preset=fig9", "preset", "fig2-linear"),
        ("colour=red", "colour", "unknown key"),
        ("depth=5&depth=6", "depth", "more than once"),
        ("depth=%ZZ", "depth", "percent-escape"),
        ("depth=%FF", "depth", "UTF-8"),
    ];
    for (q, key, hint) in cases {
        let e = first_error(q);
        assert_eq!(e.key, key, "{q}");
        let text = e.to_string();
        assert!(
            text.contains(hint),
            "`{q}` → `{text}` should mention `{hint}`"
        );
        assert!(text.starts_with(key), "`{text}` should start with the key");
    }
}

#[test]
fn every_error_is_reported_not_just_the_first() {
    let e = Params::parse("depth=0&width=1&act=x&foo=1").expect_err("four errors");
    let keys: Vec<&str> = e.0.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["depth", "width", "act", "foo"]);
}

#[test]
fn lenient_parse_falls_back_per_key_only() {
    let (p, errors) = Params::parse_lenient("depth=0&width=32&norm=nope&seed=9");
    assert_eq!(p.depth, Params::default().depth);
    assert_eq!(p.norm, Params::default().norm);
    assert_eq!((p.width, p.seed), (32, 9));
    assert_eq!(errors.len(), 2);
}

#[test]
fn encoded_and_sloppy_queries_parse() {
    let p = Params::parse("?depth=%31%30&&act=relu&").expect("valid");
    assert_eq!((p.depth, p.act), (10, Activation::Relu));
    let p = Params::parse("gamma=1e-2&tau=.25").expect("valid");
    assert_eq!((p.gamma, p.tau), (Some(0.01), 0.25));
}

#[test]
fn hide_is_canonical_and_embed_flags() {
    let p = Params::parse("hide=seed,depth,seed&embed=1&fs=2.5").expect("valid");
    assert_eq!(p.hide, vec!["depth", "seed"]);
    assert!(p.embed && p.fs == 2.5);
    assert!(p.to_query().ends_with("&fs=2.5&embed=1&hide=depth%2Cseed"));
}

#[test]
fn long_values_are_cut_in_messages() {
    let q = format!("act={}", "x".repeat(100_000));
    let e = first_error(&q);
    assert!(e.to_string().len() < 300, "message stays readable");
}

#[test]
fn random_garbage_never_panics_and_always_names_a_key() {
    let mut rng = StdRng::seed_from_u64(11);
    let alphabet: Vec<char> = "depthwidbacnormxyz=&%+.-e0123456789Ωé€\u{0}\u{202e} "
        .chars()
        .collect();
    for _ in 0..20_000 {
        let len = rng.random_range(0..60);
        let q: String = (0..len).map(|_| pick(&mut rng, &alphabet)).collect();
        match Params::parse(&q) {
            Ok(p) => assert_eq!(Params::parse(&p.to_query()), Ok(p)),
            Err(errors) => assert!(!errors.0.is_empty()),
        }
    }
}
