//! The worker → page transfer format of bulk data: the rows of a slice, and the geometry's
//! cosine matrix.
//!
//! serde-wasm-bindgen turns a `Vec<f64>` into a JS array built one `Array.set` call per entry,
//! and back again entry by entry: ~2 ms of the page's main thread per input of the default view
//! (profiled). As bytes it becomes one `Uint8Array` (a single copy out of WASM memory), which
//! `postMessage` clones as one block and the page's WASM copies back in one go. The same holds
//! for a slice's rows as objects (a dozen properties each, set and read one call at a time:
//! ~0.35 ms of the page's main thread per part of the default view), so a batch of rows
//! travels as one byte string too ([`rows_bytes`]).

use crate::metrics::Metrics;
use crate::run::Row;
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
        deserializer.deserialize_byte_buf(Bytes {
            what: "little-endian f64 values as bytes (a multiple of 8)",
            decode: decode_f64s,
        })
    }
}

/// The f64 values of little-endian bytes; an error unless the length is a multiple of 8.
fn decode_f64s(bytes: &[u8]) -> Result<Vec<f64>, String> {
    if !bytes.len().is_multiple_of(8) {
        return Err(format!("{} bytes are not whole f64 values", bytes.len()));
    }
    Ok(bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect())
}

/// A serde visitor for a byte string that `decode` turns into a value (`what` names the
/// format in errors). Formats without a bytes type (e.g. JSON) give a sequence of numbers
/// 0–255, collected first.
struct Bytes<T> {
    what: &'static str,
    decode: fn(&[u8]) -> Result<T, String>,
}

impl<'de, T> Visitor<'de> for Bytes<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(self.what)
    }

    fn visit_bytes<E: Error>(self, bytes: &[u8]) -> Result<T, E> {
        (self.decode)(bytes).map_err(E::custom)
    }

    fn visit_byte_buf<E: Error>(self, bytes: Vec<u8>) -> Result<T, E> {
        self.visit_bytes(&bytes)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        let mut bytes = Vec::new();
        while let Some(b) = seq.next_element::<u8>()? {
            bytes.push(b);
        }
        self.visit_bytes(&bytes)
    }
}

/// `#[serde(with = "crate::wire::rows_bytes")]`: a `Vec<Row>` as one byte string of
/// self-delimiting records, so that two batches' bytes concatenated are the bytes of the
/// concatenated batch (the worker merges slices that way). A record, little-endian:
/// seed u64, layer u32, log₁₀‖H‖ f64, 1 byte (1: metrics follow), the seven metrics f64 in
/// [`Metrics`]' order if present, the count of singular values u32 and the values f64, the
/// flag's length u32 (`u32::MAX`: no flag) and its UTF-8 bytes.
pub mod rows_bytes {
    use super::*;

    pub fn serialize<S: Serializer>(rows: &[Row], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&encode(rows))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Row>, D::Error> {
        deserializer.deserialize_byte_buf(Bytes {
            what: "row records as bytes",
            decode,
        })
    }
}

/// The metrics in their record order.
fn metric_fields(m: &Metrics) -> [f64; 7] {
    [
        m.numerical_rank,
        m.soft_rank,
        m.participation_ratio,
        m.stable_rank,
        m.effective_rank,
        m.orthogonality_gap,
        m.mean_abs_cos,
    ]
}

/// A record's bytes besides its singular values and flag text: seed, layer, norm, marker,
/// the values' count, the flag's length.
const RECORD_FIXED: usize = 8 + 4 + 8 + 1 + 4 + 4;

/// The records of `rows` (see [`rows_bytes`]).
pub fn encode(rows: &[Row]) -> Vec<u8> {
    let size: usize = rows
        .iter()
        .map(|r| {
            RECORD_FIXED
                + 8 * (7 + r.singular_values.len())
                + r.flag.as_ref().map_or(0, String::len)
        })
        .sum();
    let mut out = Vec::with_capacity(size);
    for r in rows {
        out.extend_from_slice(&r.seed.to_le_bytes());
        out.extend_from_slice(&r.layer.to_le_bytes());
        out.extend_from_slice(&r.log10_norm.to_le_bytes());
        match &r.metrics {
            Some(m) => {
                out.push(1);
                metric_fields(m)
                    .iter()
                    .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
            }
            None => out.push(0),
        }
        out.extend_from_slice(&(r.singular_values.len() as u32).to_le_bytes());
        r.singular_values
            .iter()
            .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        match &r.flag {
            Some(f) => {
                out.extend_from_slice(&(f.len() as u32).to_le_bytes());
                out.extend_from_slice(f.as_bytes());
            }
            None => out.extend_from_slice(&u32::MAX.to_le_bytes()),
        }
    }
    out
}

/// A cursor over record bytes; every read fails cleanly past the end.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.bytes.len() {
            return Err(format!(
                "a row record ends early ({n} bytes wanted, {} left)",
                self.bytes.len()
            ));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        Ok(self.take(N)?.try_into().expect("N bytes"))
    }

    fn f64(&mut self) -> Result<f64, String> {
        Ok(f64::from_le_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.array()?))
    }
}

/// The rows of record bytes (see [`rows_bytes`]); an error for bytes that are not whole records.
pub fn decode(bytes: &[u8]) -> Result<Vec<Row>, String> {
    let mut r = Reader { bytes };
    let mut rows = Vec::new();
    while !r.bytes.is_empty() {
        let seed = u64::from_le_bytes(r.array()?);
        let layer = r.u32()?;
        let log10_norm = r.f64()?;
        let metrics = match r.take(1)?[0] {
            0 => None,
            1 => {
                let mut v = [0.0; 7];
                for x in &mut v {
                    *x = r.f64()?;
                }
                Some(Metrics {
                    numerical_rank: v[0],
                    soft_rank: v[1],
                    participation_ratio: v[2],
                    stable_rank: v[3],
                    effective_rank: v[4],
                    orthogonality_gap: v[5],
                    mean_abs_cos: v[6],
                })
            }
            other => {
                return Err(format!(
                    "a row record's metrics marker is {other}, not 0 or 1"
                ))
            }
        };
        let count = r.u32()? as usize;
        let singular_values =
            decode_f64s(r.take(count.checked_mul(8).ok_or("too many singular values")?)?)?;
        let flag = match r.u32()? {
            u32::MAX => None,
            len => Some(
                String::from_utf8(r.take(len as usize)?.to_vec())
                    .map_err(|_| "a row's flag is not UTF-8".to_string())?,
            ),
        };
        rows.push(Row {
            seed,
            layer,
            metrics,
            log10_norm,
            singular_values,
            flag,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows of every shape: with and without metrics, flag and singular values.
    fn sample_rows() -> Vec<Row> {
        let metrics = Metrics {
            numerical_rank: 5.0,
            soft_rank: 3.0,
            participation_ratio: 2.5,
            stable_rank: 1.25,
            effective_rank: 4.75,
            orthogonality_gap: 0.125,
            mean_abs_cos: f64::NAN,
        };
        vec![
            Row {
                seed: u64::MAX,
                layer: 0,
                metrics: Some(metrics),
                log10_norm: -1.5,
                singular_values: vec![0.9, 0.3, 1e-300, 0.0, f64::MIN_POSITIVE],
                flag: None,
            },
            Row {
                seed: 7,
                layer: u32::MAX,
                metrics: None,
                log10_norm: f64::INFINITY,
                singular_values: Vec::new(),
                flag: Some("the SVD did not converge — σ".into()),
            },
            Row {
                seed: 0,
                layer: 3,
                metrics: Some(metrics),
                log10_norm: 0.0,
                singular_values: vec![1.0],
                flag: Some(String::new()),
            },
        ]
    }

    /// Bitwise equality, so that NaN metrics compare too.
    fn same(a: &[Row], b: &[Row]) -> bool {
        format!("{a:?}") == format!("{b:?}")
    }

    #[test]
    fn row_records_round_trip_and_concatenate() {
        let rows = sample_rows();
        let bytes = encode(&rows);
        assert!(same(&decode(&bytes).expect("decodes"), &rows));
        assert_eq!(decode(&[]), Ok(Vec::new()));
        // Two batches' bytes, concatenated, are the concatenated batch's (the worker's merge).
        let (a, b) = rows.split_at(1);
        let joined = [encode(a), encode(b)].concat();
        assert_eq!(joined, bytes);
        // Through serde (JSON carries bytes as numbers), as in a batch.
        #[derive(serde::Serialize, serde::Deserialize)]
        struct Batch {
            #[serde(with = "crate::wire::rows_bytes")]
            rows: Vec<Row>,
        }
        let json = serde_json::to_string(&Batch { rows: rows.clone() }).expect("serialises");
        let back: Batch = serde_json::from_str(&json).expect("deserialises");
        assert!(same(&back.rows, &rows));
    }

    #[test]
    fn broken_row_records_are_errors() {
        let bytes = encode(&sample_rows());
        for cut in 1..bytes.len() {
            // Every prefix either ends on a record boundary (fewer rows) or is refused.
            if let Ok(rows) = decode(&bytes[..cut]) {
                assert!(rows.len() < 3, "cut at {cut}");
            }
        }
        assert!(decode(&bytes[..bytes.len() - 1]).is_err());
        let mut bad = bytes.clone();
        bad[20] = 2; // the first record's metrics marker
        assert!(decode(&bad).expect_err("refused").contains("marker"));
        let mut huge = encode(&sample_rows()[..1]);
        let at = 21 + 56; // the singular values' count
        huge[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode(&huge).is_err());
    }

    #[test]
    fn f64_vectors_round_trip_as_bytes() {
        #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        struct Cosines {
            #[serde(with = "crate::wire::f64_bytes")]
            values: Vec<f64>,
        }
        let v = Cosines {
            values: vec![0.9, 0.3, 1e-300, 0.0, f64::MIN_POSITIVE],
        };
        let json = serde_json::to_string(&v).expect("serialises");
        assert!(json.contains("\"values\":[205,204"), "bytes: {json}");
        let back: Cosines = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, v);
        let bad = json.replace("\"values\":[205,", "\"values\":[");
        assert!(
            serde_json::from_str::<Cosines>(&bad).is_err(),
            "a length not a multiple of 8 is refused"
        );
    }
}
