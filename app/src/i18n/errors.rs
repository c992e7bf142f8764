//! Errors, field names and the domain's labels in the operator's language. The errors
//! travel as structured values (the same on the wire as before), and are put into words
//! only here, where the language is known.

use super::{fill, Messages};
#[cfg(feature = "ssr")]
use crate::domain::AuditAction;
use crate::domain::{Field, PostType, ValidationError};
use crate::error::AppError;

pub fn field_name(t: &Messages, field: Field) -> &'static str {
    match field {
        Field::ChannelName => t.f_channel_name,
        Field::ChannelProfile => t.f_channel_profile,
        Field::ProfilePhoto => t.f_profile_photo,
        Field::PostChannel => t.f_post_channel,
        Field::PostText => t.f_post_text,
        Field::PostImages => t.f_post_images,
        Field::PostLinks => t.f_post_links,
        Field::ImageAlt => t.f_image_alt,
        Field::LinkLabel => t.f_link_label,
        Field::LinkUrl => t.f_link_url,
        Field::SearchDate => t.f_search_date,
        Field::SearchQuery => t.f_search_query,
        Field::OperatorName => t.f_operator_name,
        Field::Password => t.f_password,
        Field::NewPassword => t.f_new_password,
        Field::CurrentPassword => t.f_current_password,
        Field::AccountId => t.f_account_id,
        Field::OwnerAccount => t.f_owner_account,
        Field::FaceUrl => t.f_face_url,
        Field::Organization => t.f_organization,
        Field::CustomString => t.f_custom_string,
        Field::AdminIdentifier => t.f_admin_identifier,
        // The REST API's field, named as the vendor names it in both languages.
        Field::SubscriberAccount => "Subscriber_Account",
        Field::WebhookUrl => t.f_webhook_url,
        Field::WebhookToken => t.f_webhook_token,
    }
}

pub fn post_type(t: &Messages, kind: PostType) -> &'static str {
    match kind {
        PostType::ImageAndText => t.type_image_text,
        PostType::ImageOnly => t.type_image,
        PostType::TextOnly => t.type_text,
    }
}

/// How the audit log says an action, in a language; one it does not know (stored by a newer
/// version) is shown as stored. Said on the server: the audit page receives the words with
/// each entry, so they are not part of the browser's code.
#[cfg(feature = "ssr")]
pub fn audit_action(locale: super::Locale, stored: &str) -> String {
    let Some(action) = AuditAction::from_code(stored) else { return stored.to_owned() };
    let (en, ko) = match action {
        AuditAction::SignIn => ("Signed in", "로그인"),
        AuditAction::SignInFailed => ("Failed sign-in", "로그인 실패"),
        AuditAction::SignOut => ("Signed out", "로그아웃"),
        AuditAction::ChannelCreated => ("Created channel", "채널 생성"),
        AuditAction::ChannelEdited => ("Edited channel", "채널 편집"),
        AuditAction::ChannelDeleted => ("Deleted channel", "채널 삭제"),
        AuditAction::PostPublished => ("Published post", "게시물 발행"),
        AuditAction::OperatorAdded => ("Added operator", "운영자 추가"),
        AuditAction::OperatorRemoved => ("Removed operator", "운영자 제거"),
        AuditAction::PasswordChanged => ("Changed own password", "본인 비밀번호 변경"),
        AuditAction::PasswordReset => ("Reset password (server command)", "비밀번호 재설정(서버 명령)"),
        AuditAction::PostRecalled => ("Recalled post", "게시물 회수"),
        AuditAction::ApiKeyRotated => ("Made a new REST API key", "새 REST API 키 생성"),
        AuditAction::ApiAdminAdded => ("Added REST API administrator", "REST API 관리자 추가"),
        AuditAction::ApiAdminRemoved => ("Removed REST API administrator", "REST API 관리자 제거"),
        AuditAction::SubscribersAdded => ("Added subscribers", "구독자 추가"),
        AuditAction::SubscribersRemoved => ("Removed subscribers", "구독자 제거"),
        AuditAction::SubscriberChanged => ("Changed a subscription", "구독 정보 변경"),
        AuditAction::WebhookChanged => ("Changed the webhook settings", "웹훅 설정 변경"),
        AuditAction::WebhookSecretRotated => ("Made a new webhook signing secret", "웹훅 서명 비밀 키 새로 만들기"),
        AuditAction::WebhookRedelivered => ("Redelivered a webhook event", "웹훅 이벤트 다시 보내기"),
        AuditAction::WebhookTested => ("Sent a test webhook event", "웹훅 테스트 이벤트 보내기"),
        AuditAction::PasswordCheckFailed => {
            ("Wrong current password (changing password)", "현재 비밀번호 오류(비밀번호 변경 중)")
        }
    };
    match locale {
        super::Locale::En => en,
        super::Locale::Ko => ko,
    }
    .to_owned()
}

/// How the audit log's "operator" column says who acted: as stored, but for a failed
/// sign-in under a name that is no operator's, which is said in the reader's language.
#[cfg(feature = "ssr")]
pub fn audit_operator(locale: super::Locale, stored: &str) -> String {
    if stored != storage::Actor::UNKNOWN_NAME {
        return stored.to_owned();
    }
    match locale {
        super::Locale::En => "unknown name",
        super::Locale::Ko => "알 수 없는 이름",
    }
    .to_owned()
}

pub fn validation_text(t: &Messages, err: &ValidationError) -> String {
    let field = field_name(t, err.field());
    match err {
        ValidationError::Required { field: Field::PostImages } => t.v_required_images.to_owned(),
        ValidationError::Required { field: Field::PostChannel } => t.v_required_channel.to_owned(),
        ValidationError::Required { .. } => fill(t.v_required, &[("field", &field)]),
        ValidationError::TooLong { max, actual, .. } => {
            fill(t.v_too_long, &[("field", &field), ("actual", actual), ("max", max)])
        }
        ValidationError::ControlCharacter { .. } => fill(t.v_control, &[("field", &field)]),
        ValidationError::NotAnImage { .. } => fill(t.v_not_image, &[("field", &field)]),
        ValidationError::FileTooLarge { max_mb, .. } => fill(t.v_file_too_large, &[("field", &field), ("max", max_mb)]),
        ValidationError::UnknownMedia { .. } => fill(t.v_unknown_media, &[("field", &field)]),
        ValidationError::TooMany { max, actual, .. } => {
            fill(t.v_too_many, &[("field", &field), ("actual", actual), ("max", max)])
        }
        ValidationError::UnsupportedScheme { .. } => fill(t.v_scheme, &[("field", &field)]),
        ValidationError::InvalidUrl { .. } => fill(t.v_invalid_url, &[("field", &field)]),
        // The wire form names the type by its English label (the REST API's message uses it).
        ValidationError::NotCarried { kind, .. } => {
            let kind = PostType::ALL.into_iter().find(|k| k.label() == kind).map_or(kind.as_str(), |k| post_type(t, k));
            fill(t.v_not_carried, &[("kind", &kind), ("field", &field)])
        }
        ValidationError::InvalidDate { .. } => fill(t.v_invalid_date, &[("field", &field)]),
        ValidationError::TooShort { min, actual, .. } => {
            fill(t.v_too_short, &[("field", &field), ("actual", actual), ("min", min)])
        }
        ValidationError::InvalidCharacters { field: which, allowed } => {
            let allowed = match which {
                Field::OperatorName => t.allowed_operator_name,
                Field::AdminIdentifier => t.allowed_admin_identifier,
                // Only the REST API checks the others, in English.
                _ => allowed.as_str(),
            };
            fill(t.v_invalid_characters, &[("field", &field), ("allowed", &allowed)])
        }
        ValidationError::Mismatch { .. } => fill(t.v_mismatch, &[("field", &field)]),
        ValidationError::NotPublic { .. } => fill(t.v_not_public, &[("field", &field)]),
    }
}

/// What the operator reads about a failed request. Not-found and conflict messages are
/// worded by the server already, in the language of the request (see `i18n::current`).
pub fn error_text(t: &Messages, err: &AppError) -> String {
    match err {
        AppError::Invalid(invalid) => validation_text(t, invalid),
        AppError::NotFound(message) | AppError::Conflict(message) => message.clone(),
        AppError::BadRequest(detail) => fill(t.e_bad_request, &[("detail", detail)]),
        AppError::TooLarge => t.e_too_large.to_owned(),
        AppError::Forbidden(_) => t.e_forbidden.to_owned(),
        AppError::Unauthorized => t.e_unauthorized.to_owned(),
        AppError::WrongCredentials => t.e_wrong_credentials.to_owned(),
        AppError::TooManyAttempts { retry_after_secs } => fill(t.e_too_many_attempts, &[("secs", retry_after_secs)]),
        AppError::Network(detail) => fill(t.e_network, &[("detail", detail)]),
        AppError::Busy { retry_after_secs } => fill(t.e_busy, &[("secs", retry_after_secs)]),
        AppError::NoRoom => t.e_no_room.to_owned(),
        AppError::Unexpected => t.e_unexpected.to_owned(),
    }
}
