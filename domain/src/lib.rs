//! Validated domain values, shared by the browser (to check as the operator types) and the
//! server (to check again, since a request can bypass the browser). No `cfg` in here.

pub mod bytes;
pub mod channel;
pub mod dates;
pub mod error;
pub mod media;
pub mod official_account;
pub mod operator;
pub mod post;
pub mod search;
pub mod subscriber;
pub mod webhook;

pub use channel::{Channel, ChannelFields, ChannelName, ChannelPage, ChannelProfile};
pub use error::{Field, ValidationError};
pub use media::{media_url, thumbnail_url, MediaId, UploadedMedia};
pub use official_account::{AccountFields, AccountId, AdminIdentifier, ApiSettings};
pub use operator::{AuditAction, AuditEntry, AuditPage, NewPassword, Operator, OperatorName};
pub use post::{
    ChannelOption, Post, PostDraft, PostFilter, PostImage, PostLink, PostPage, PostType, ValidImage, ValidLink,
    ValidPost,
};
pub use subscriber::{MsgFlag, Subscriber, SubscriberAccount, SubscriberList};
pub use webhook::{Callback, Delivery, DeliveryPage, DeliveryState, WebhookForm, WebhookSettings, WhenUnreachable};
