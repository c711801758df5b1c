//! A link is user input from strangers: 100,000 random and adversarial query strings through the
//! parser. It must never panic, must return either valid parameters or errors that each name a
//! key of the link, and must stay fast (the figures are printed; timings are not pass/fail).

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rankscope::params::{percent_decode, Params, KEYS};
use std::time::{Duration, Instant};

const CASES: usize = 100_000;

/// Values that have broken parsers before.
const NASTY_VALUES: &[&str] = &[
    "",
    "0",
    "-0",
    "-1",
    "1e3",
    "1e308",
    "1e309",
    "-1e309",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "0x10",
    "1_000",
    " 5",
    "5 ",
    "+5",
    "٣",
    "１２",
    "5.",
    ".5",
    "1e-400",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999",
    "4294967296",
    "%00",
    "%",
    "%2",
    "%zz",
    "%C3%28",
    "%E2%82",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "\"'><img src=x>",
    "bn\u{0}",
    "relu\u{202e}",
    "ΩΩΩ",
    "😀",
    "+",
    "%2B",
    "a=b",
    "&",
    "==",
    "none",
    "auto",
    "last",
    "1,2,3",
    "depth,seed",
    "fig2-linear",
];

fn pick<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

/// One hostile query: known and unknown keys, nasty or random values, odd separators.
fn hostile_query(rng: &mut StdRng) -> String {
    let parts = rng.random_range(0..8);
    let mut q = String::new();
    if rng.random_bool(0.2) {
        q.push('?');
    }
    for _ in 0..parts {
        let key = match rng.random_range(0..10) {
            0 => "".to_string(),
            1 => "unknown_key".to_string(),
            2 => format!("%{:02X}", rng.random::<u8>()),
            3 => "dépth".to_string(),
            _ => pick(rng, KEYS).to_string(),
        };
        let value = match rng.random_range(0..6) {
            0 => pick(rng, NASTY_VALUES).to_string(),
            1 => rng.random::<i64>().to_string(),
            2 => format!(
                "{:e}",
                rng.random::<f64>() * 10f64.powi(rng.random_range(-320..320))
            ),
            3 => (0..rng.random_range(0..12))
                .map(|_| char::from_u32(rng.random_range(0..0x11000)).unwrap_or('x'))
                .collect(),
            _ => rng.random_range(0..600).to_string(),
        };
        q.push_str(&key);
        if rng.random_bool(0.9) {
            q.push('=');
        }
        q.push_str(&value);
        q.push_str(pick(rng, &["&", "&", "&", "&&", ";", ""]));
    }
    q
}

/// The keys of a link, decoded (undecodable ones raw), as the parser may report them.
fn link_keys(query: &str) -> Vec<String> {
    let mut keys: Vec<String> = query
        .split('&')
        .map(|seg| seg.split_once('=').map_or(seg, |(k, _)| k))
        .map(|k| k.trim_start_matches('?'))
        .map(|k| percent_decode(k).unwrap_or_else(|_| k.to_string()))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Whether a reported key (possibly cut with "…") is one of the link's keys.
fn reported_key_is_from_the_link(key: &str, keys: &[String]) -> bool {
    let stem = key.trim_end_matches('…');
    keys.iter().any(|k| k.starts_with(stem))
}

fn check(query: &str) -> Duration {
    let t0 = Instant::now();
    let result = Params::parse(query);
    let took = t0.elapsed();
    match result {
        Ok(p) => {
            // Valid: the canonical form parses back to the same parameters.
            assert_eq!(Params::parse(&p.to_query()), Ok(p), "{query:?}");
        }
        Err(errors) => {
            assert!(!errors.0.is_empty(), "{query:?}");
            let keys = link_keys(query);
            for e in &errors.0 {
                assert!(!e.message.is_empty());
                assert!(
                    reported_key_is_from_the_link(&e.key, &keys),
                    "error names `{}`, not a key of {query:?}",
                    e.key
                );
                assert!(e.to_string().chars().count() < 600, "message stays short");
            }
        }
    }
    took
}

#[test]
fn a_hundred_thousand_hostile_links_never_panic_and_always_name_the_key() {
    let mut rng = StdRng::seed_from_u64(2020);
    let mut worst = Duration::ZERO;
    let t0 = Instant::now();
    let mut rejected = 0;
    for _ in 0..CASES {
        let q = hostile_query(&mut rng);
        if Params::parse(&q).is_err() {
            rejected += 1;
        }
        worst = worst.max(check(&q));
    }
    // Some valid links are in the mix too, or the generator would be testing only one path.
    assert!(
        rejected > CASES / 2 && rejected < CASES,
        "{rejected} of {CASES} rejected"
    );
    eprintln!(
        "hostile links: {CASES} cases, {rejected} rejected, total {:?}, worst single parse {worst:?}",
        t0.elapsed()
    );
}

#[test]
fn huge_links_are_rejected_quickly_and_never_echoed_whole() {
    let big = "9".repeat(100_000);
    let cases = [
        format!("depth={big}"),
        format!("{big}=1"),
        format!("act={}", "%41".repeat(33_000)),
        "&".repeat(100_000),
        format!("hide={}", "depth,".repeat(16_000)),
        format!("gamma=0.{big}1"),
        "depth=1&".repeat(12_000),
    ];
    for q in &cases {
        let took = check(q);
        if let Err(errors) = Params::parse(q) {
            assert!(errors.0.iter().all(|e| e.to_string().len() < 600));
        }
        eprintln!("{} KB link parsed in {took:?}", q.len() / 1024);
    }
}
