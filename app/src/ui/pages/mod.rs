pub mod channel_form;
pub mod channels;
pub mod delete_channel;
