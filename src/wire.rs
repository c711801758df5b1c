//! The worker → page transfer format of long f64 vectors: the rows' singular values and the
//! geometry's cosine matrix.
//!
//! serde-wasm-bindgen turns a `Vec<f64>` into a JS array built one `Array.set` call per entry,
//! and back again entry by entry: ~2 ms of the page's main thread per input of the default view
//! (profiled). As bytes it becomes one `Uint8Array` (a single copy out of WASM memory), which
//! `postMessage` clones as one block and the page's WASM copies back in one go.

use serde::de::{Error, SeqAccess, Visitor};
use serde::{Deserializer, Serializer};

/// `#[serde(with = "crate::wire::f64_bytes")]`: a `Vec<f64>` as little-endian bytes.
pub mod f64_bytes {
    use super::*;

    pub fn serialize<S: Serializer>(values: &[f64], serializer: S) -> Result<S::Ok, S::Error> {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        serializer.serialize_bytes(&bytes)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<f64>, D::Error> {
        deserializer.deserialize_byte_buf(F64Bytes)
    }
}

struct F64Bytes;

impl<'de> Visitor<'de> for F64Bytes {
    type Value = Vec<f64>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("little-endian f64 values as bytes (a multiple of 8)")
    }

    fn visit_bytes<E: Error>(self, bytes: &[u8]) -> Result<Vec<f64>, E> {
        if !bytes.len().is_multiple_of(8) {
            return Err(E::invalid_length(bytes.len(), &self));
        }
        Ok(bytes
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect())
    }

    fn visit_byte_buf<E: Error>(self, bytes: Vec<u8>) -> Result<Vec<f64>, E> {
        self.visit_bytes(&bytes)
    }

    /// Formats without a bytes type (e.g. JSON) give a sequence of numbers 0–255.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<f64>, A::Error> {
        let mut bytes = Vec::new();
        while let Some(b) = seq.next_element::<u8>()? {
            bytes.push(b);
        }
        self.visit_bytes(&bytes)
    }
}

#[cfg(test)]
mod tests {
    use crate::run::Row;

    #[test]
    fn rows_round_trip_with_their_singular_values_as_bytes() {
        let row = Row {
            seed: 7,
            layer: 3,
            metrics: None,
            log10_norm: -1.5,
            singular_values: vec![0.9, 0.3, 1e-300, 0.0, f64::MIN_POSITIVE],
            flag: Some("why".into()),
        };
        let json = serde_json::to_string(&row).expect("serialises");
        assert!(
            json.contains("\"singular_values\":[205,204"),
            "bytes: {json}"
        );
        let back: Row = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, row);
        let bad = json.replace("\"singular_values\":[205,", "\"singular_values\":[");
        assert!(
            serde_json::from_str::<Row>(&bad).is_err(),
            "a length not a multiple of 8 is refused"
        );
    }
}
