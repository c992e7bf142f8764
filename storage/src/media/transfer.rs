//! Moving bytes: a reader as a stream of chunks, and a file into the bucket.

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use object_store::{path::Path as ObjectPath, ObjectStore};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A reader as a stream of chunks (64 KiB at a time).
pub(super) fn chunks<R: tokio::io::AsyncRead + Unpin + Send + 'static>(
    reader: R,
) -> BoxStream<'static, std::io::Result<Bytes>> {
    futures_util::stream::try_unfold(reader, |mut reader| async move {
        let mut buf = vec![0u8; 64 * 1024];
        let n = reader.read(&mut buf).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.truncate(n);
        Ok(Some((Bytes::from(buf), reader)))
    })
    .boxed()
}

/// Sends a file to the bucket: one request when it is small, a multipart upload of
/// `part_bytes` parts otherwise, reading the file as the parts go out.
pub(super) async fn upload(
    store: Arc<dyn ObjectStore>,
    path: ObjectPath,
    mut source: tokio::fs::File,
    part_bytes: usize,
    parts_in_flight: usize,
) -> std::io::Result<()> {
    let mut writer =
        object_store::buffered::BufWriter::with_capacity(store, path, part_bytes).with_max_concurrency(parts_in_flight);
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = source.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        if let Err(e) = writer.write_all(&buf[..n]).await {
            let _ = writer.abort().await;
            return Err(e);
        }
    }
    writer.shutdown().await
}
