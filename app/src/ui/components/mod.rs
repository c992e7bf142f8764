pub mod byte_counter;
pub mod dialog;
pub mod field_check;
pub mod load_more;
pub mod photo_picker;
pub mod post_view;
pub mod toast;
