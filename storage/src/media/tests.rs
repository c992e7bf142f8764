//! Thumbnails of images that do not decode.
use super::*;

fn corrupt_png() -> Vec<u8> {
    let image = image::RgbImage::from_fn(40, 30, |x, y| image::Rgb([x as u8 * 6, y as u8 * 8, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    let mut bytes = out.into_inner();
    // The header still says 40x30; the pixel data no longer decodes.
    let middle = bytes.len() - 30;
    for b in &mut bytes[middle..middle + 8] {
        *b ^= 0xff;
    }
    bytes
}

#[tokio::test]
async fn an_image_whose_thumbnail_fails_is_not_tried_again() {
    let dir = std::env::temp_dir().join(format!("console-thumb-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = MediaStore::local(&dir, 1024 * 1024).await.unwrap();
    let chunk: Result<Bytes, std::io::Error> = Ok(Bytes::from(corrupt_png()));
    let spooled = store.spool(futures_util::stream::iter([chunk])).await.unwrap();
    let id = spooled.media.id.clone();
    assert_eq!((spooled.media.width, spooled.media.height), (Some(40), Some(30)));
    store.put(spooled).await.unwrap();
    assert!(!store.thumbnail_failed(&id));
    assert_eq!(store.thumbnail(&id, "image/png").await, None, "served as the original");
    assert!(store.thumbnail_failed(&id), "remembered");
    assert_eq!(store.thumbnail(&id, "image/png").await, None);
    let _ = std::fs::remove_dir_all(&dir);
}
