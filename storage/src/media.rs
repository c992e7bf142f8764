//! Image files on disk, content-addressed under `<data>/media/ab/cdef…`.
//!
//! An upload is streamed to a temporary file (bounded memory, bytes counted against the
//! cap as they arrive), recognised as an image from its content alone, and only then renamed
//! into place: a crash never leaves a half-written file under a name that is served.

use crate::error::UploadError;
use domain::{MediaId, UploadedMedia};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::AsyncWriteExt;
use tokio::sync::Semaphore;

/// The first bytes of a file kept in memory to recognise its format.
const SNIFF_LEN: usize = 4096;
/// Longest side of a generated thumbnail, in pixels.
const THUMB_SIZE: u32 = 160;
/// Images whose decoded pixels would take more than this get no thumbnail (the list then
/// shows the original, scaled by the browser) so that thumbnailing never balloons memory.
const THUMB_MAX_DECODED_BYTES: u64 = 96 * 1024 * 1024;

#[derive(Clone, Debug)]
pub struct MediaStore {
    root: PathBuf,
    tmp: PathBuf,
    max_bytes: u64,
    /// One thumbnail at a time: decoding is CPU- and memory-heavy.
    thumbnailer: Arc<Semaphore>,
}

/// A recognised image format and how it is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    pub content_type: &'static str,
    /// A format the `image` crate decodes (for dimensions and thumbnails).
    pub raster: Option<image::ImageFormat>,
}

/// An image whose file is in place, to be recorded in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMedia {
    pub id: MediaId,
    pub content_type: &'static str,
    pub bytes: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

impl From<&StoredMedia> for UploadedMedia {
    fn from(media: &StoredMedia) -> Self {
        UploadedMedia {
            id: media.id.to_string(),
            content_type: media.content_type.to_owned(),
            bytes: media.bytes,
            width: media.width,
            height: media.height,
        }
    }
}

impl MediaStore {
    pub async fn open(data_dir: &Path, max_bytes: u64) -> std::io::Result<Self> {
        let root = data_dir.join("media");
        let tmp = data_dir.join("tmp");
        tokio::fs::create_dir_all(&root).await?;
        tokio::fs::create_dir_all(&tmp).await?;
        Ok(Self { root, tmp, max_bytes, thumbnailer: Arc::new(Semaphore::new(1)) })
    }

    /// Whether the media files can be reached (readiness check).
    pub async fn ping(&self) -> std::io::Result<()> {
        tokio::fs::metadata(&self.root).await.map(|_| ())
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    pub fn path_of(&self, id: &MediaId) -> PathBuf {
        let (dir, rest) = id.as_ref().split_at(2);
        self.root.join(dir).join(rest)
    }

    fn thumb_path_of(&self, id: &MediaId) -> PathBuf {
        let (dir, rest) = id.as_ref().split_at(2);
        self.root.join(dir).join(format!("{rest}.thumb"))
    }

    /// Streams `chunks` to a file named for its content, once it is known to be an image
    /// within the cap.
    pub async fn write<S, E>(&self, mut chunks: S) -> Result<StoredMedia, UploadError>
    where
        S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        use futures_util::StreamExt;

        let tmp = TempFile::create(&self.tmp).await?;
        let mut file = tokio::fs::File::from_std(tmp.file.try_clone()?);
        let mut hasher = Sha256::new();
        let mut head = Vec::with_capacity(SNIFF_LEN);
        let mut total: u64 = 0;
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|e| UploadError::Interrupted(e.to_string()))?;
            total += chunk.len() as u64;
            if total > self.max_bytes {
                return Err(UploadError::TooLarge { max_bytes: self.max_bytes });
            }
            if head.len() < SNIFF_LEN {
                let take = (SNIFF_LEN - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await?;
        }
        if total == 0 {
            return Err(UploadError::Empty);
        }
        let sniffed = sniff(&head).ok_or(UploadError::NotAnImage)?;
        file.sync_all().await?;
        drop(file);

        let (width, height) = match sniffed.raster {
            Some(format) => {
                let path = tmp.path.clone();
                let (w, h) = tokio::task::spawn_blocking(move || dimensions(&path, format))
                    .await
                    .map_err(|e| UploadError::from(std::io::Error::other(e)))?
                    .ok_or(UploadError::NotAnImage)?;
                (Some(w), Some(h))
            }
            None => (None, None),
        };

        let id = MediaId::from_sha256(&hasher.finalize().into());
        let dest = self.path_of(&id);
        if let Some(dir) = dest.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        tmp.persist(&dest).await?;
        Ok(StoredMedia { id, content_type: sniffed.content_type, bytes: total, width, height })
    }

    /// The path and content type of a small version of the image, made on first request
    /// and kept. `None` when the format cannot be thumbnailed: serve the original.
    pub async fn thumbnail(&self, id: &MediaId, content_type: &str) -> Option<(PathBuf, &'static str)> {
        let format = image::ImageFormat::from_mime_type(content_type)?;
        let thumb = self.thumb_path_of(id);
        if let Some(found) = thumb_kind(&thumb).await {
            return Some((thumb, found));
        }
        let _permit = self.thumbnailer.acquire().await.ok()?;
        if let Some(found) = thumb_kind(&thumb).await {
            return Some((thumb, found));
        }
        let source = self.path_of(id);
        let tmp_dir = self.tmp.clone();
        let made = tokio::task::spawn_blocking(move || make_thumbnail(&source, format)).await.ok()??;
        let tmp = TempFile::create(&tmp_dir).await.ok()?;
        tokio::fs::write(&tmp.path, &made).await.ok()?;
        tmp.persist(&thumb).await.ok()?;
        Some((thumb, kind_of_thumb(&made)))
    }

    /// Removes the files of images no longer referenced (their rows are already gone).
    pub async fn remove_files(&self, ids: &[MediaId]) {
        for id in ids {
            for path in [self.path_of(id), self.thumb_path_of(id)] {
                if let Err(e) = tokio::fs::remove_file(&path).await {
                    if e.kind() != std::io::ErrorKind::NotFound {
                        tracing::warn!(path = %path.display(), error = %e, "could not remove media file");
                    }
                }
            }
        }
    }
}

async fn thumb_kind(path: &Path) -> Option<&'static str> {
    use tokio::io::AsyncReadExt;
    let mut file = tokio::fs::File::open(path).await.ok()?;
    let mut head = [0u8; 4];
    file.read_exact(&mut head).await.ok()?;
    Some(kind_of_thumb(&head))
}

fn kind_of_thumb(bytes: &[u8]) -> &'static str {
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

fn dimensions(path: &Path, format: image::ImageFormat) -> Option<(u32, u32)> {
    let file = std::io::BufReader::new(std::fs::File::open(path).ok()?);
    let reader = image::ImageReader::with_format(file, format);
    reader.into_dimensions().ok().filter(|(w, h)| *w > 0 && *h > 0)
}

fn make_thumbnail(source: &Path, format: image::ImageFormat) -> Option<Vec<u8>> {
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

/// A file in the temporary directory that is removed unless it is persisted.
struct TempFile {
    path: PathBuf,
    file: std::fs::File,
    persisted: bool,
}

impl TempFile {
    async fn create(dir: &Path) -> std::io::Result<Self> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "upload-{}-{}-{}",
            std::process::id(),
            crate::clock::now(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = dir.join(name);
        let file = tokio::fs::OpenOptions::new().write(true).create_new(true).open(&path).await?.into_std().await;
        Ok(Self { path, file, persisted: false })
    }

    async fn persist(mut self, dest: &Path) -> std::io::Result<()> {
        tokio::fs::rename(&self.path, dest).await?;
        self.persisted = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = std::fs::remove_file(&self.path);
        }
    }
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
