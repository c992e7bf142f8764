pub mod channel_form;
pub mod channels;
pub mod composer;
pub mod delete_channel;
pub mod post_detail;
pub mod posts;
