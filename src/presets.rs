//! The paper's figures and the teaching presets (SCIENCE.md §4), each a named link.
//!
//! A preset is a query string plus a caption that says what to look at and where it comes from.
//! `preset=<name>` in a link applies the preset first; any other key in the same link overrides
//! it. Every preset query is checked to parse (see the tests).

/// One preset: its link name, a short title for the menu, the caption, and its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    pub name: &'static str,
    pub title: &'static str,
    pub caption: &'static str,
    pub query: &'static str,
}

/// Every preset, in menu order.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "fig2-linear",
        title: "Paper Fig. 2 — linear, 50,000 layers",
        caption: "Daneshmand et al. 2020, Fig. 2 (linear): d = N = 32, uniform weights (the paper's \
                  U(−√3, √3) up to a 1/√d scale, which neither BN nor rank sees), centred \
                  BatchNorm, numerical rank every 100 layers. Without BN (light) the rank \
                  falls to 1–2 within a few thousand layers; with BN it settles at a constant of \
                  order √d and stays there at any depth.",
        query: "depth=50000&width=32&batch=32&act=linear&norm=bn&init=uniform&metric=numerical_rank",
    },
    Preset {
        name: "fig2-relu",
        title: "Paper Fig. 2 — ReLU, 50,000 layers",
        caption: "Daneshmand et al. 2020, Fig. 2 (ReLU): the same chain with ReLU. With BN the \
                  numerical rank stays at full rank; without BN (light) it collapses.",
        query: "depth=50000&width=32&batch=32&act=relu&norm=bn&init=uniform&metric=numerical_rank",
    },
    Preset {
        name: "fig2-tanh",
        title: "Paper Fig. 2 — tanh, 50,000 layers",
        caption: "Daneshmand et al. 2020, Fig. 2 (tanh): with BN the numerical rank stays at full \
                  rank; without BN (light) it collapses.",
        query: "depth=50000&width=32&batch=32&act=tanh&norm=bn&init=uniform&metric=numerical_rank",
    },
    Preset {
        name: "fig3a",
        title: "Paper Fig. 3a — rank vs width",
        caption: "Daneshmand et al. 2020, Fig. 3a: the depth-averaged rank r(H) of the uncentred-BN \
                  chain (N = d) against the width d on log–log axes, with the √d and d reference \
                  lines. The fitted slope comes out near 0.6 here (about 0.55 once longer runs \
                  average out the first layers' higher rank) — near ½, far from 0 (collapse) and \
                  1 (full rank): BN keeps a rank of order √d.",
        query: "view=sweep&depth=300&norm=bn0&metric=participation_ratio",
    },
    Preset {
        name: "fig3b",
        title: "Paper Fig. 3b — BN restores rank",
        caption: "Daneshmand et al. 2020, Fig. 3b: d = N = 50, a nearly rank-one input (all ones + \
                  1e-5 noise), uncentred BN. The top 10 eigenvalues of HHᵀ (log axis) rise from \
                  ~1e-11 to O(1) within 10–20 layers: BatchNorm restores the rank the input lacked.",
        query: "depth=100&width=50&batch=50&norm=bn0&input=rank1&detail=top10&metric=soft_rank",
    },
    Preset {
        name: "orthogonality",
        title: "2021 follow-up — orthogonality gap",
        caption: "Daneshmand, Joudaki, Bach 2021: with uncentred BN and N ≤ d the orthogonality gap \
                  of the batch falls geometrically with depth (straight on the log axis) down to a \
                  floor of order N/√d; the samples become nearly orthogonal. Mean of 4 seeds.",
        query: "depth=80&width=256&batch=16&norm=bn0&input=correlated&metric=orthogonality_gap&yaxis=log&seeds=4",
    },
    Preset {
        name: "orthogonality-width",
        title: "2021 follow-up — orthogonality gap vs width",
        caption: "Daneshmand, Joudaki, Bach 2021: uncentred BN, the same batch of N = 8 samples at \
                  every width d = 8 … 256 (N ≤ d, as the theorem needs). The depth-averaged \
                  orthogonality gap falls as 1/√d — fitted slope close to −½ — the floor of order \
                  N/√d that a wider net lowers. Switch to centred BatchNorm to see it stop near \
                  1/N: centring makes the samples sum to zero, so they cannot all be orthogonal.",
        query: "view=sweep_fixed_n&batch=8&depth=300&norm=bn0&metric=orthogonality_gap&seeds=4",
    },
    Preset {
        name: "layernorm",
        title: "Teaching — LayerNorm does not save a linear net",
        caption: "LayerNorm normalises each sample across neurons: for a linear net it only \
                  rescales (and centres) the samples, so the batch still collapses to rank one. \
                  Switch the normalisation kind to BatchNorm to see the difference.",
        query: "depth=3000&width=32&batch=32&norm=ln&metric=soft_rank&xaxis=log",
    },
    Preset {
        name: "residual",
        title: "Teaching — residual connections slow collapse",
        caption: "Layers I + γW with γ = 0.3 and no normalisation: the residual net keeps its rank \
                  for hundreds of layers, but it still collapses. Set γ to none to compare with a \
                  plain net; the light curve is the same residual net with BatchNorm.",
        query: "depth=5000&width=32&batch=32&norm=none&gamma=0.3&metric=participation_ratio&xaxis=log",
    },
    Preset {
        name: "relu-no-bn",
        title: "Teaching — ReLU without BN (PyTorch init)",
        caption: "Width 128, batch 128, ReLU, PyTorch's nn.Linear default init with biases — the \
                  setting of the paper's Fig. 1. Without BN the rank falls to about one within a \
                  few tens of layers (those nets no longer train); with BN (light) it stays full.",
        query: "depth=40&width=128&batch=128&act=relu&norm=none&init=torch&metric=numerical_rank",
    },
    Preset {
        name: "narrow",
        title: "Teaching — narrow net (d = 8)",
        caption: "A narrow BN net, d = N = 8: BN keeps a rank of order √8 ≈ 2.8, not far above \
                  collapse. Compare with the wide preset (d = 256).",
        query: "depth=1000&width=8&batch=8&norm=bn&metric=participation_ratio&xaxis=log",
    },
    Preset {
        name: "wide",
        title: "Teaching — wide net (d = 256)",
        caption: "A wide BN net, d = N = 256: BN keeps a rank of order √256 = 16 while the vanilla \
                  net (light) collapses. Compare with the narrow preset (d = 8).",
        query: "depth=300&width=256&batch=256&norm=bn&metric=participation_ratio&xaxis=log&every=5",
    },
];

/// The preset of a link name.
pub fn find(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Params;

    #[test]
    fn every_preset_query_parses_and_names_are_unique() {
        for (i, p) in PRESETS.iter().enumerate() {
            let params = Params::parse(p.query).unwrap_or_else(|e| panic!("{}: {e}", p.name));
            assert!(
                params.preset.is_none(),
                "{}: a preset cannot name a preset",
                p.name
            );
            assert!(PRESETS[..i].iter().all(|q| q.name != p.name));
            assert!(
                p.caption.len() > 80,
                "{}: caption says what to look at",
                p.name
            );
        }
    }

    #[test]
    fn preset_link_applies_then_other_keys_override() {
        let p = Params::parse("seed=5&preset=fig2-linear").expect("valid");
        assert_eq!((p.depth, p.width, p.seed), (50_000, 32, 5));
        assert_eq!(p.preset, Some("fig2-linear"));
        let q = p.to_query();
        assert!(q.starts_with("preset=fig2-linear&depth=50000&"), "{q}");
        assert_eq!(Params::parse(&q), Ok(p));
    }
}
