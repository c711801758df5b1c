//! A seed names the same networks in every version: a link in a paper must keep drawing its
//! picture. These pin the first entries of H₀ and of H₁ for each input kind and initialisation
//! (recorded with the code of 2026-11-26, before and after that day's refactor of the Gaussian
//! draws: identical). Tolerance 1e-12 relative, for libm's last bits on other platforms.

use rankscope::net::Network;
use rankscope::params::Params;

/// (query, the first four entries of H₀, the first four of H₁), column-major, seed 7.
const PINNED: &[(&str, [f64; 4], [f64; 4])] = &[
    (
        "width=6&batch=5&input=gaussian",
        [
            -1.5021606579331517,
            -1.4079830483352944,
            0.5838629027321149,
            -0.24706919338667746,
        ],
        [
            -0.7346418012961492,
            1.1557897885411281,
            -1.7533657808690768,
            -1.7049494978297464,
        ],
    ),
    (
        "width=6&batch=5&input=correlated",
        [
            -1.420182025691625,
            -1.4460247242798012,
            0.6401569227080478,
            -0.2892261442160105,
        ],
        [
            0.04119907811718589,
            -1.3801427932562542,
            -0.20704847302045926,
            0.15212001703717917,
        ],
    ),
    (
        "width=6&batch=5&input=rank1",
        [
            0.9999856857332835,
            0.9999868309676039,
            1.0000110525458936,
            1.000000948106437,
        ],
        [
            -0.7346418013131729,
            1.1557897885431971,
            -1.7533657808741132,
            -1.7049494978324644,
        ],
    ),
    (
        "width=6&batch=5&init=uniform&act=relu",
        [
            -1.5021606579331517,
            -1.4079830483352944,
            0.5838629027321149,
            -0.24706919338667746,
        ],
        [0.0, 1.604994051188339, 0.0, 0.0],
    ),
    (
        "width=6&batch=5&init=torch&act=tanh&norm=none",
        [
            -1.5021606579331517,
            -1.4079830483352944,
            0.5838629027321149,
            -0.24706919338667746,
        ],
        [
            -0.6979478882695052,
            0.75295268004329,
            -1.0105551646052342,
            -1.456670174911409,
        ],
    ),
    (
        "width=6&batch=5&init=orthogonal&norm=ln",
        [
            -1.5021606579331517,
            -1.4079830483352944,
            0.5838629027321149,
            -0.24706919338667746,
        ],
        [
            0.25048274694788447,
            1.1111176846992028,
            -1.1179300683045934,
            -1.1704359881643687,
        ],
    ),
];

fn first_four(n: &Network) -> [f64; 4] {
    let s = n.h().as_slice();
    [s[0], s[1], s[2], s[3]]
}

#[test]
fn each_input_kind_and_initialisation_draws_the_pinned_numbers() {
    for (query, h0, h1) in PINNED {
        let p = Params::parse(query).expect("a valid query");
        let mut net = Network::new(&p, 7);
        let got0 = first_four(&net);
        net.step().expect("one layer");
        let got1 = first_four(&net);
        for (got, want, which) in [(got0, h0, "H₀"), (got1, h1, "H₁")] {
            for (g, w) in got.iter().zip(want.iter()) {
                assert!(
                    (g - w).abs() <= 1e-12 * w.abs().max(1.0),
                    "{query}: {which} {got:?}, pinned {want:?}"
                );
            }
        }
    }
}
