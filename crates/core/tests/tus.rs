//! Property tests of the tus rules: metadata round-trips whatever its text, and a PATCH is accepted exactly when
//! it starts at the upload's offset and stays within its length.

use proptest::prelude::*;
use twincast_core::tus::{
    check_patch, checksum_header, encode_metadata, parse_checksum, parse_metadata, Algorithm,
    ChunkHasher, TusError,
};

proptest! {
    #[test]
    fn metadata_round_trips(pairs in proptest::collection::btree_map("[a-z_][a-z0-9_.-]{0,12}", "\\PC{0,40}", 0..6)) {
        let header = encode_metadata(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let back = parse_metadata(&header).unwrap();
        prop_assert_eq!(back, pairs);
    }

    #[test]
    fn patch_is_accepted_exactly_at_the_offset_within_the_length(
        current in 0u64..1000, length in 0u64..1000, offset in 0u64..1000, n in proptest::option::of(0u64..1000),
    ) {
        let r = check_patch(current, length, offset, n);
        let ok = offset == current && n.is_none_or(|n| current + n <= length);
        prop_assert_eq!(r.is_ok(), ok);
        if offset != current {
            prop_assert_eq!(r, Err(TusError::OffsetMismatch { current }));
        }
    }

    #[test]
    fn a_chunk_matches_its_checksum_however_it_is_split(bytes in proptest::collection::vec(any::<u8>(), 0..300), cut in 0usize..300, flip in 0usize..300) {
        for alg in [Algorithm::Sha1, Algorithm::Sha256] {
            let declared = parse_checksum(&checksum_header(alg, &bytes)).unwrap();
            let cut = cut.min(bytes.len());
            let mut h = ChunkHasher::new(alg);
            h.update(&bytes[..cut]);
            h.update(&bytes[cut..]);
            prop_assert!(h.matches(&declared));
            if !bytes.is_empty() {
                let mut other = bytes.clone();
                other[flip % bytes.len()] ^= 1;
                let mut h = ChunkHasher::new(alg);
                h.update(&other);
                prop_assert!(!h.matches(&declared));
            }
        }
    }
}
