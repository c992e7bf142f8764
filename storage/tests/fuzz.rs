//! Property-based fuzzing of image sniffing and the decoders behind dimensions and
//! thumbnails: bytes that start like an image and then go anywhere never panic the
//! server. Ignored in the normal test run; `scripts/fuzz` runs it (`PROPTEST_CASES`).

use proptest::prelude::*;
use storage::media::sniff::{dimensions, make_thumbnail, sniff};

/// Bytes that often start with an image signature.
fn image_like() -> impl Strategy<Value = Vec<u8>> {
    let signatures: Vec<&'static [u8]> = vec![
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
        b"\xff\xd8\xff\xe0",
        b"GIF89a",
        b"RIFF\0\0\0\0WEBPVP8 ",
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"",
        b"BM",
        b"",
    ];
    (proptest::sample::select(signatures), proptest::collection::vec(any::<u8>(), 0..2048)).prop_map(|(head, tail)| {
        let mut bytes = head.to_vec();
        bytes.extend(tail);
        bytes
    })
}

proptest! {
    #[test]
    #[ignore = "fuzzing: run by scripts/fuzz"]
    fn sniffing_and_decoding_never_panic(bytes in image_like()) {
        let Some(sniffed) = sniff(&bytes) else { return Ok(()) };
        if let Some(format) = sniffed.raster {
            let dir = std::env::temp_dir().join(format!("console-fuzz-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("image");
            std::fs::write(&path, &bytes).unwrap();
            let _ = dimensions(&path, format);
            let _ = make_thumbnail(&path, format);
        }
    }
}
