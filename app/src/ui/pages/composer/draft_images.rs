//! The images of the post being composed, in the order the operator gave them: each one
//! uploading (with its progress) or uploaded, with its alt text.

use crate::domain::post::MAX_IMAGES;
use crate::domain::{media_url, PostImage};
use crate::ui::previews;

#[derive(Debug, Clone, PartialEq)]
pub struct DraftImage {
    /// Stays with the image while it moves, so its row and fields keep their state.
    pub key: u64,
    /// A local object URL while uploading, then the stored image.
    pub src: String,
    /// The stored image, once uploaded.
    pub media: Option<String>,
    pub alt: String,
    pub progress: u8,
    /// The handle of the local preview (see `previews`), released with the image.
    preview: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DraftImages {
    list: Vec<DraftImage>,
    next_key: u64,
}

impl DraftImages {
    /// The images of a draft saved before a reload: all uploaded already.
    pub fn restored(images: Vec<PostImage>) -> Self {
        let mut restored = DraftImages::default();
        for image in images {
            let key = restored.new_key();
            restored.list.push(DraftImage {
                key,
                src: media_url(&image.media),
                media: Some(image.media),
                alt: image.alt,
                progress: 100,
                preview: None,
            });
        }
        restored
    }

    pub fn items(&self) -> &[DraftImage] {
        &self.list
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// How many more images the post can take.
    pub fn room(&self) -> usize {
        MAX_IMAGES.saturating_sub(self.list.len())
    }

    /// Whether an image is still on its way to the server (the post must wait for it).
    pub fn uploading(&self) -> bool {
        self.list.iter().any(|i| i.media.is_none())
    }

    /// What the post carries: the uploaded images, in order.
    pub fn uploaded(&self) -> Vec<PostImage> {
        self.list
            .iter()
            .filter_map(|i| {
                let media = i.media.clone()?;
                Some(PostImage { media, alt: i.alt.clone() })
            })
            .collect()
    }

    /// Where the image is, counting from 1 as the labels do (0 once it is gone).
    pub fn position(&self, key: u64) -> usize {
        self.list.iter().position(|i| i.key == key).map_or(0, |p| p + 1)
    }

    pub fn alt(&self, key: u64) -> String {
        self.list.iter().find(|i| i.key == key).map(|i| i.alt.clone()).unwrap_or_default()
    }

    /// An image starting to upload, shown meanwhile from its local preview. Returns its key.
    pub fn add(&mut self, preview: u64, src: String) -> u64 {
        let key = self.new_key();
        self.list.push(DraftImage { key, src, media: None, alt: String::new(), progress: 0, preview: Some(preview) });
        key
    }

    pub fn set_progress(&mut self, key: u64, percent: u8) {
        if let Some(image) = self.find(key) {
            image.progress = percent;
        }
    }

    pub fn uploaded_as(&mut self, key: u64, media: String) {
        if let Some(image) = self.find(key) {
            image.media = Some(media);
            image.progress = 100;
        }
    }

    pub fn set_alt(&mut self, key: u64, alt: String) {
        if let Some(image) = self.find(key) {
            image.alt = alt;
        }
    }

    /// Swaps the image with its neighbour before (`-1`) or after (`1`), if it has one.
    pub fn move_by(&mut self, key: u64, delta: isize) {
        let Some(from) = self.list.iter().position(|i| i.key == key) else {
            return;
        };
        if let Some(to) = from.checked_add_signed(delta).filter(|&to| to < self.list.len()) {
            self.list.swap(from, to);
        }
    }

    pub fn remove(&mut self, key: u64) {
        if let Some(at) = self.list.iter().position(|i| i.key == key) {
            if let Some(preview) = self.list.remove(at).preview {
                previews::release(preview);
            }
        }
    }

    pub fn clear(&mut self) {
        self.list.drain(..).filter_map(|i| i.preview).for_each(previews::release);
    }

    fn find(&mut self, key: u64) -> Option<&mut DraftImage> {
        self.list.iter_mut().find(|i| i.key == key)
    }

    fn new_key(&mut self) -> u64 {
        let key = self.next_key;
        self.next_key += 1;
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(images: &DraftImages) -> Vec<u64> {
        images.items().iter().map(|i| i.key).collect()
    }

    #[test]
    fn only_uploaded_images_are_posted_and_an_upload_holds_publishing() {
        let mut images = DraftImages::restored(vec![PostImage { media: "a".into(), alt: "first".into() }]);
        let second = images.add(7, "blob:second".into());
        assert!(images.uploading());
        assert_eq!(images.uploaded(), vec![PostImage { media: "a".into(), alt: "first".into() }]);
        images.set_progress(second, 40);
        images.set_alt(second, "second".into());
        images.uploaded_as(second, "b".into());
        assert!(!images.uploading());
        assert_eq!(images.items()[1].progress, 100);
        assert_eq!(images.uploaded()[1], PostImage { media: "b".into(), alt: "second".into() });
        assert_eq!(images.room(), MAX_IMAGES - 2);
    }

    #[test]
    fn images_move_within_the_list_and_keep_their_keys() {
        let mut images = DraftImages::default();
        let (a, b, c) = (images.add(1, "a".into()), images.add(2, "b".into()), images.add(3, "c".into()));
        images.move_by(a, -1);
        assert_eq!(keys(&images), vec![a, b, c]);
        images.move_by(c, -1);
        assert_eq!(keys(&images), vec![a, c, b]);
        images.move_by(b, 1);
        assert_eq!(keys(&images), vec![a, c, b]);
        assert_eq!(images.position(b), 3);
        images.remove(c);
        assert_eq!(keys(&images), vec![a, b]);
        assert_eq!(images.position(c), 0);
        // A key is never given twice, so a removed image's row is not reused.
        assert_eq!(images.add(4, "d".into()), 3);
        images.clear();
        assert_eq!(images.len(), 0);
    }
}
