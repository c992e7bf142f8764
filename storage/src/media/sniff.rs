//! Recognising images from their content, measuring them and making thumbnails.

use std::path::Path;

/// Longest side of a generated thumbnail, in pixels.
const THUMB_SIZE: u32 = 160;
/// Images whose decoded pixels would take more than this get no thumbnail (the list then
/// shows the original, scaled by the browser) so that thumbnailing never balloons memory.
const THUMB_MAX_DECODED_BYTES: u64 = 96 * 1024 * 1024;

/// A recognised image format and how it is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    pub content_type: &'static str,
    /// A format the `image` crate decodes (for dimensions and thumbnails).
    pub raster: Option<image::ImageFormat>,
}

/// The type of a thumbnail this module made: PNG (with transparency) or JPEG.
pub fn kind_of_thumb(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\x89PNG") {
        "image/png"
    } else {
        "image/jpeg"
    }
}

/// Recognises the image formats browsers display, from the first bytes of the file only.
pub fn sniff(head: &[u8]) -> Option<Sniffed> {
    use image::ImageFormat as F;
    if let Ok(format) = image::guess_format(head) {
        let (content_type, raster) = match format {
            F::Png => ("image/png", Some(F::Png)),
            F::Jpeg => ("image/jpeg", Some(F::Jpeg)),
            F::Gif => ("image/gif", Some(F::Gif)),
            F::WebP => ("image/webp", Some(F::WebP)),
            F::Bmp => ("image/bmp", Some(F::Bmp)),
            F::Ico => ("image/x-icon", Some(F::Ico)),
            F::Avif => ("image/avif", None),
            _ => return None,
        };
        return Some(Sniffed { content_type, raster });
    }
    is_svg(head).then_some(Sniffed { content_type: "image/svg+xml", raster: None })
}

/// An SVG document: optional BOM, XML declaration, comments or doctype, then an `<svg` root.
fn is_svg(head: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(head).or_else(|e| {
        // The sniffed prefix may end inside a multi-byte character.
        std::str::from_utf8(&head[..e.valid_up_to()])
    }) else {
        return false;
    };
    let mut rest = text.trim_start_matches('\u{feff}').trim_start();
    loop {
        let lower = rest.get(..9).unwrap_or(rest).to_ascii_lowercase();
        if lower.starts_with("<?xml") {
            let Some(end) = rest.find("?>") else { return false };
            rest = rest[end + 2..].trim_start();
        } else if lower.starts_with("<!--") {
            let Some(end) = rest.find("-->") else { return false };
            rest = rest[end + 3..].trim_start();
        } else if lower.starts_with("<!doctype") {
            let Some(end) = rest.find('>') else { return false };
            rest = rest[end + 1..].trim_start();
        } else {
            return lower.starts_with("<svg")
                && rest[4..].starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/');
        }
    }
}

pub fn dimensions(path: &Path, format: image::ImageFormat) -> Option<(u32, u32)> {
    let file = std::io::BufReader::new(std::fs::File::open(path).ok()?);
    let reader = image::ImageReader::with_format(file, format);
    reader.into_dimensions().ok().filter(|(w, h)| *w > 0 && *h > 0)
}

pub fn make_thumbnail(source: &Path, format: image::ImageFormat) -> Option<Vec<u8>> {
    let file = std::io::BufReader::new(std::fs::File::open(source).ok()?);
    let mut reader = image::ImageReader::with_format(file, format);
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(THUMB_MAX_DECODED_BYTES);
    reader.limits(limits);
    let image = reader.decode().ok()?;
    let small = image.thumbnail(THUMB_SIZE, THUMB_SIZE);
    let mut out = std::io::Cursor::new(Vec::new());
    if small.color().has_alpha() {
        small.write_to(&mut out, image::ImageFormat::Png).ok()?;
    } else {
        let rgb = small.to_rgb8();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82).encode_image(&rgb).ok()?;
    }
    Some(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_browser_image_formats_from_content() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(sniff(png).map(|s| s.content_type), Some("image/png"));
        assert_eq!(sniff(b"\xff\xd8\xff\xe0\0\x10JFIF").unwrap().content_type, "image/jpeg");
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0").unwrap().content_type, "image/gif");
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 ").unwrap().content_type, "image/webp");
        assert_eq!(sniff(b"\0\0\0\x1cftypavif\0\0\0\0avifmif1").unwrap().content_type, "image/avif");
    }

    #[test]
    fn recognises_svg_documents() {
        for svg in [
            "<svg xmlns='http://www.w3.org/2000/svg'/>",
            "\u{feff}  <?xml version=\"1.0\"?>\n<!-- made by hand -->\n<!DOCTYPE svg>\n<svg>",
            "<SVG viewBox='0 0 1 1'></SVG>",
        ] {
            assert_eq!(sniff(svg.as_bytes()).unwrap().content_type, "image/svg+xml", "{svg}");
        }
    }

    #[test]
    fn refuses_text_html_and_other_files() {
        for not_image in [
            &b"hello, this is a text file renamed to photo.png"[..],
            b"<html><body><svg></svg></body></html>",
            b"<svgfoo>",
            b"%PDF-1.7",
            b"",
            b"PK\x03\x04",
        ] {
            assert_eq!(sniff(not_image), None);
        }
    }
}
