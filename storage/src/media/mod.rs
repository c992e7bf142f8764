//! Image files, content-addressed (`ab/cdef…`, the SHA-256 of the bytes), on the local disk
//! (`file:///dir`) or in an S3-compatible bucket (`s3://bucket/prefix`).
//!
//! An upload is streamed to a temporary file on the local disk (bounded memory, bytes
//! counted against the cap as they arrive), recognised as an image from its content alone,
//! and only then stored under its name: renamed into place on disk, or sent to the bucket
//! (one request, or a multipart upload above a part size, with bounded memory either way).
//! A crash never leaves a half-written file under a name that is served.

pub mod sniff;
mod temp;
mod transfer;
mod url;

use crate::error::UploadError;
use bytes::Bytes;
use domain::{MediaId, UploadedMedia};
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::{path::Path as ObjectPath, GetOptions, GetRange, ObjectStore};
use sha2::{Digest, Sha256};
pub use sniff::{sniff, Sniffed};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use temp::TempFile;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Semaphore;
pub use url::MediaUrl;

/// The first bytes of a file kept in memory to recognise its format.
const SNIFF_LEN: usize = 4096;
/// Above this, an object is sent as a multipart upload of parts this size; at most two
/// parts are in flight, so an upload holds at most about 3 parts in memory.
const PART_BYTES: usize = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT: usize = 2;

#[derive(Clone)]
enum Backend {
    Local { root: PathBuf },
    Object { store: Arc<dyn ObjectStore>, prefix: String },
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Backend::Local { root } => write!(f, "Local({})", root.display()),
            Backend::Object { store, prefix } => write!(f, "Object({store}, {prefix:?})"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct MediaStore {
    backend: Backend,
    /// Uploads and thumbnails are prepared here, on the local disk.
    tmp: PathBuf,
    max_bytes: u64,
    /// One thumbnail at a time: decoding is CPU- and memory-heavy.
    thumbnailer: Arc<Semaphore>,
    /// Images whose thumbnail could not be made (they do not decode): not tried again on
    /// every request. Kept by this process only (each server learns it once).
    undecodable: Arc<std::sync::Mutex<std::collections::HashSet<MediaId>>>,
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

/// An upload spooled to the local disk and checked, not yet under its name.
pub struct Spooled {
    pub media: StoredMedia,
    file: TempFile,
}

/// Which file of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Original,
    Thumbnail,
}

/// A stored file, ready to be read.
pub enum Opened {
    /// On the local disk (served with ranges and conditional requests by the server).
    File(PathBuf),
    /// In the bucket: its size, and where to read ranges of it.
    Object { size: u64, store: Arc<dyn ObjectStore>, path: ObjectPath },
}

impl Opened {
    /// The bytes of `range` of an object, as they arrive.
    pub async fn read(&self, range: Range<u64>) -> std::io::Result<BoxStream<'static, std::io::Result<Bytes>>> {
        match self {
            Opened::File(path) => {
                let mut file = tokio::fs::File::open(path).await?;
                tokio::io::AsyncSeekExt::seek(&mut file, std::io::SeekFrom::Start(range.start)).await?;
                let limited = file.take(range.end - range.start);
                Ok(transfer::chunks(limited))
            }
            Opened::Object { store, path, .. } => {
                let options = GetOptions { range: Some(GetRange::Bounded(range)), ..GetOptions::default() };
                let got = store.get_opts(path, options).await.map_err(io_error)?;
                Ok(got.into_stream().map_err(io_error).boxed())
            }
        }
    }
}

fn io_error(err: object_store::Error) -> std::io::Error {
    match err {
        object_store::Error::NotFound { .. } => std::io::Error::new(std::io::ErrorKind::NotFound, err),
        other => std::io::Error::other(other),
    }
}

impl MediaStore {
    /// Opens the media files `url` names; `data_dir` holds the temporary files.
    pub async fn open(url: &MediaUrl, data_dir: &Path, max_bytes: u64) -> std::io::Result<Self> {
        let tmp = data_dir.join("tmp");
        tokio::fs::create_dir_all(&tmp).await?;
        let backend = match url {
            MediaUrl::File(root) => {
                tokio::fs::create_dir_all(root).await?;
                Backend::Local { root: root.clone() }
            }
            MediaUrl::S3 { bucket, prefix } => {
                Backend::Object { store: url::s3_store(bucket).map_err(std::io::Error::other)?, prefix: prefix.clone() }
            }
        };
        Ok(Self { backend, tmp, max_bytes, thumbnailer: Arc::new(Semaphore::new(1)), undecodable: Arc::default() })
    }

    /// Media files on the local disk under `data_dir/media` (the zero-set-up default).
    pub async fn local(data_dir: &Path, max_bytes: u64) -> std::io::Result<Self> {
        Self::open(&MediaUrl::File(data_dir.join("media")), data_dir, max_bytes).await
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// Whether the media files can be reached (readiness check).
    pub async fn ping(&self) -> std::io::Result<()> {
        match &self.backend {
            Backend::Local { root } => tokio::fs::metadata(root).await.map(|_| ()),
            Backend::Object { store, prefix } => {
                let prefix = ObjectPath::from(prefix.as_str());
                store.list_with_delimiter(Some(&prefix)).await.map(|_| ()).map_err(io_error)
            }
        }
    }

    /// The name of an image's file (relative to the root or the bucket's prefix).
    pub(crate) fn key(id: &MediaId, variant: Variant) -> String {
        let (dir, rest) = id.as_ref().split_at(2);
        match variant {
            Variant::Original => format!("{dir}/{rest}"),
            Variant::Thumbnail => format!("{dir}/{rest}.thumb"),
        }
    }

    fn object_path(prefix: &str, id: &MediaId, variant: Variant) -> ObjectPath {
        let key = Self::key(id, variant);
        if prefix.is_empty() {
            ObjectPath::from(key)
        } else {
            ObjectPath::from(format!("{prefix}/{key}"))
        }
    }

    /// Where a file lives on the local disk (local media only).
    pub fn local_path(&self, id: &MediaId, variant: Variant) -> Option<PathBuf> {
        match &self.backend {
            Backend::Local { root } => Some(root.join(Self::key(id, variant))),
            Backend::Object { .. } => None,
        }
    }

    /// Streams `chunks` to a temporary file and checks it: within the cap, not empty, an
    /// image a browser can show. Nothing is stored under its name yet (see [`Self::put`]).
    pub async fn spool<S, E>(&self, mut chunks: S) -> Result<Spooled, UploadError>
    where
        S: futures_util::Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
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
                let (w, h) = tokio::task::spawn_blocking(move || sniff::dimensions(&path, format))
                    .await
                    .map_err(|e| UploadError::from(std::io::Error::other(e)))?
                    .ok_or(UploadError::NotAnImage)?;
                (Some(w), Some(h))
            }
            None => (None, None),
        };
        let id = MediaId::from_sha256(&hasher.finalize().into());
        let media = StoredMedia { id, content_type: sniffed.content_type, bytes: total, width, height };
        Ok(Spooled { media, file: tmp })
    }

    /// Stores a spooled upload under its name.
    pub async fn put(&self, spooled: Spooled) -> std::io::Result<()> {
        let Spooled { media, file } = spooled;
        match &self.backend {
            Backend::Local { root } => {
                let dest = root.join(Self::key(&media.id, Variant::Original));
                if let Some(dir) = dest.parent() {
                    tokio::fs::create_dir_all(dir).await?;
                }
                file.persist(&dest).await
            }
            Backend::Object { store, prefix } => {
                let path = Self::object_path(prefix, &media.id, Variant::Original);
                let source = tokio::fs::File::open(&file.path).await?;
                transfer::upload(store.clone(), path, source, PART_BYTES, PARTS_IN_FLIGHT).await
            }
        }
    }

    /// The stored file of an image, or `None` when there is none.
    pub async fn open_file(&self, id: &MediaId, variant: Variant) -> std::io::Result<Option<Opened>> {
        match &self.backend {
            Backend::Local { root } => {
                let path = root.join(Self::key(id, variant));
                Ok(tokio::fs::try_exists(&path).await?.then_some(Opened::File(path)))
            }
            Backend::Object { store, prefix } => {
                let path = Self::object_path(prefix, id, variant);
                match store.head(&path).await {
                    Ok(meta) => Ok(Some(Opened::Object { size: meta.size, store: store.clone(), path })),
                    Err(object_store::Error::NotFound { .. }) => Ok(None),
                    Err(other) => Err(io_error(other)),
                }
            }
        }
    }

    /// The type of a small version of the image, made on first request and kept. `None`
    /// when the format cannot be thumbnailed: serve the original.
    pub async fn thumbnail(&self, id: &MediaId, content_type: &str) -> Option<&'static str> {
        let format = image::ImageFormat::from_mime_type(content_type)?;
        if self.thumbnail_failed(id) {
            return None;
        }
        if let Some(found) = self.thumb_kind(id).await {
            return Some(found);
        }
        let _permit = self.thumbnailer.acquire().await.ok()?;
        if let Some(found) = self.thumb_kind(id).await {
            return Some(found);
        }
        let source = self.local_copy(id).await.ok()?;
        let source_path = source.path.clone();
        let Some(made) = tokio::task::spawn_blocking(move || sniff::make_thumbnail(&source_path, format)).await.ok()?
        else {
            if let Ok(mut undecodable) = self.undecodable.lock() {
                // Bounded: forgotten all at once past a size no honest use reaches.
                if undecodable.len() >= 10_000 {
                    undecodable.clear();
                }
                undecodable.insert(id.clone());
            }
            return None;
        };
        let kind = sniff::kind_of_thumb(&made);
        match &self.backend {
            Backend::Local { root } => {
                let tmp = TempFile::create(&self.tmp).await.ok()?;
                tokio::fs::write(&tmp.path, &made).await.ok()?;
                tmp.persist(&root.join(Self::key(id, Variant::Thumbnail))).await.ok()?;
            }
            Backend::Object { store, prefix } => {
                let path = Self::object_path(prefix, id, Variant::Thumbnail);
                store.put(&path, made.into()).await.ok()?;
            }
        }
        Some(kind)
    }

    /// Whether this process found that the image's thumbnail cannot be made.
    pub fn thumbnail_failed(&self, id: &MediaId) -> bool {
        self.undecodable.lock().is_ok_and(|set| set.contains(id))
    }

    /// The type of the image's thumbnail, when one was made.
    async fn thumb_kind(&self, id: &MediaId) -> Option<&'static str> {
        let opened = self.open_file(id, Variant::Thumbnail).await.ok()??;
        let mut head = Vec::with_capacity(4);
        let mut stream = opened.read(0..4).await.ok()?;
        while let Some(chunk) = stream.next().await {
            head.extend_from_slice(&chunk.ok()?);
        }
        (head.len() == 4).then(|| sniff::kind_of_thumb(&head))
    }

    /// The original on the local disk: where it is, or a temporary copy from the bucket.
    async fn local_copy(&self, id: &MediaId) -> std::io::Result<LocalCopy> {
        match &self.backend {
            Backend::Local { root } => Ok(LocalCopy { path: root.join(Self::key(id, Variant::Original)), _temp: None }),
            Backend::Object { .. } => {
                let opened = self.open_file(id, Variant::Original).await?.ok_or(std::io::ErrorKind::NotFound)?;
                let Opened::Object { size, .. } = &opened else { return Err(std::io::ErrorKind::NotFound.into()) };
                let tmp = TempFile::create(&self.tmp).await?;
                let mut file = tokio::fs::File::from_std(tmp.file.try_clone()?);
                let mut stream = opened.read(0..*size).await?;
                while let Some(chunk) = stream.next().await {
                    file.write_all(&chunk?).await?;
                }
                file.flush().await?;
                Ok(LocalCopy { path: tmp.path.clone(), _temp: Some(tmp) })
            }
        }
    }

    /// Copies a stored file to `dest` on the local disk (a backup), synced; its size and
    /// SHA-256, or `None` when there is no such file.
    pub async fn export_file(
        &self,
        id: &MediaId,
        variant: Variant,
        dest: &Path,
    ) -> std::io::Result<Option<crate::backup::FileSum>> {
        let Some(opened) = self.open_file(id, variant).await? else { return Ok(None) };
        let size = match &opened {
            Opened::File(path) => tokio::fs::metadata(path).await?.len(),
            Opened::Object { size, .. } => *size,
        };
        if let Some(dir) = dest.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        let mut file = tokio::fs::File::create(dest).await?;
        let mut hasher = Sha256::new();
        let mut bytes = 0u64;
        let mut stream = match opened.read(0..size).await {
            Ok(stream) => stream,
            // Removed between the look and the read.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            hasher.update(&chunk);
            bytes += chunk.len() as u64;
            file.write_all(&chunk).await?;
        }
        file.sync_all().await?;
        Ok(Some(crate::backup::FileSum { bytes, sha256: crate::random::hex(&hasher.finalize()) }))
    }

    /// Stores the local file `source` as an image's file (a restore), replacing any there.
    pub async fn import_file(&self, id: &MediaId, variant: Variant, source: &Path) -> std::io::Result<()> {
        match &self.backend {
            Backend::Local { root } => {
                let dest = root.join(Self::key(id, variant));
                if let Some(dir) = dest.parent() {
                    tokio::fs::create_dir_all(dir).await?;
                }
                // Copied under a temporary name first: a file under its name is whole.
                let tmp = TempFile::create(&self.tmp).await?;
                tokio::fs::copy(source, &tmp.path).await?;
                tokio::fs::File::open(&tmp.path).await?.sync_all().await?;
                tmp.persist(&dest).await
            }
            Backend::Object { store, prefix } => {
                let path = Self::object_path(prefix, id, variant);
                let file = tokio::fs::File::open(source).await?;
                transfer::upload(store.clone(), path, file, PART_BYTES, PARTS_IN_FLIGHT).await
            }
        }
    }

    /// Removes the files of images no longer referenced (their rows are already gone).
    pub async fn remove_files(&self, ids: &[MediaId]) -> std::io::Result<()> {
        for id in ids {
            for variant in [Variant::Original, Variant::Thumbnail] {
                match &self.backend {
                    Backend::Local { root } => {
                        let path = root.join(Self::key(id, variant));
                        match tokio::fs::remove_file(&path).await {
                            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                            _ => {}
                        }
                    }
                    Backend::Object { store, prefix } => {
                        match store.delete(&Self::object_path(prefix, id, variant)).await {
                            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                            Err(other) => return Err(io_error(other)),
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// A file on the local disk, removed afterwards when it is a temporary copy.
struct LocalCopy {
    path: PathBuf,
    _temp: Option<TempFile>,
}

#[cfg(test)]
mod tests;
