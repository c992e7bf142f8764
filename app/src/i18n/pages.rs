//! The words of pages whose code is fetched only when an operator opens them (Webhooks, a
//! channel's subscribers, Settings, Operators). They are not in [`super::Messages`], which the first page of
//! every visit downloads with the main module: the server sends them with the page itself
//! (a resource, serialized into the HTML it renders), in the page's language, so they never
//! reach the browser's code. The browser reads them by name through methods, from a list
//! (no field names in the module either); a text missing in a language does not compile.

#[cfg(any(feature = "ssr", test))]
use super::Locale;
use serde::{Deserialize, Serialize};

macro_rules! page_texts {
    ($(#[$doc:meta])* $name:ident { $($key:ident: $en:literal, $ko:literal;)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        pub struct $name(Vec<String>);

        #[allow(non_camel_case_types, clippy::enum_variant_names)]
        #[derive(Clone, Copy)]
        enum Key { $($key),* }

        impl $name {
            $(
                pub fn $key(&self) -> &str {
                    self.0.get(Key::$key as usize).map(String::as_str).unwrap_or_default()
                }
            )*

            /// The page's words in a language (on the server only: the browser is sent them).
            #[cfg(any(feature = "ssr", test))]
            pub fn of(locale: Locale) -> Self {
                match locale {
                    Locale::En => Self(vec![$($en.to_owned()),*]),
                    Locale::Ko => Self(vec![$($ko.to_owned()),*]),
                }
            }

            /// Each name with its text in both languages, for the tests that compare them.
            #[cfg(test)]
            pub fn entries() -> Vec<(&'static str, &'static str, &'static str)> {
                vec![$((stringify!($key), $en, $ko)),*]
            }
        }
    };
}

pub mod webhooks {
    use super::*;

    page_texts! {
        /// The Webhooks page.
        WebhookTexts {
            webhooks_intro: "Your app's backend hears of what happens here at its webhook URL: each event is POSTed as the vendor's callbacks are, with the vendor's Sign (when a token is set) and a Standard Webhooks signature. An event after a change is retried on a schedule (for 24 hours unless the server is set otherwise) until the app answers 2xx.",
                "앱 백엔드는 이곳에서 일어나는 일을 웹훅 URL로 전달받습니다. 각 이벤트는 벤더의 콜백과 같은 형식으로 POST되며, 토큰이 있으면 벤더의 Sign과 Standard Webhooks 서명이 붙습니다. 변경 후 이벤트는 앱이 2xx로 응답할 때까지 일정에 따라 다시 시도됩니다 (서버 설정이 없으면 24시간).";
            webhook_events: "Events to send",
                "보낼 이벤트";
            when_unreachable: "When a “before” event cannot be reached",
                "“이전” 이벤트에 연결할 수 없을 때";
            unreachable_allow: "Allow the change (as if the app agreed)",
                "변경 허용 (앱이 동의한 것처럼)";
            unreachable_refuse: "Refuse the change",
                "변경 거부";
            send_test_event: "Send test event",
                "테스트 이벤트 보내기";
            test_event_sent: "A test event is on its way: see the deliveries below.",
                "테스트 이벤트를 보냈습니다. 아래 전송 기록을 확인하세요.";
            webhook_saved: "Webhook settings saved.",
                "웹훅 설정을 저장했습니다.";
            signing_secret: "Signing secret",
                "서명 비밀 키";
            no_signing_secret: "None yet: one is made when a URL is first saved.",
                "아직 없습니다. URL을 처음 저장할 때 만들어집니다.";
            signing_secret_hint: "Ends in …{hint}",
                "…{hint}(으)로 끝남";
            rotate_signing_secret: "Make a new signing secret",
                "새 서명 비밀 키 만들기";
            new_signing_secret: "New signing secret",
                "새 서명 비밀 키";
            copy_secret_now: "Copy it now: it is not shown again. A replaced secret keeps signing beside the new one for 24 hours.",
                "지금 복사하세요. 다시 표시되지 않습니다. 바뀐 이전 키도 24시간 동안 새 키와 함께 서명합니다.";
            deliveries: "Deliveries",
                "전송 기록";
            failures_only: "Only failures",
                "실패만";
            refresh: "Refresh",
                "새로 고침";
            col_event: "Event",
                "이벤트";
            col_channel: "Channel",
                "채널";
            col_time: "Time",
                "시각";
            col_attempts: "Attempts",
                "시도";
            col_result: "Last result",
                "마지막 결과";
            col_next: "Next attempt",
                "다음 시도";
            delivery_delivered: "Delivered",
                "전송됨";
            delivery_pending: "Pending",
                "대기 중";
            delivery_failed: "Failed",
                "실패";
            redeliver: "Redeliver",
                "다시 보내기";
            redeliver_named: "Redeliver event {id}",
                "이벤트 {id} 다시 보내기";
            redelivery_queued: "The event will be delivered again now.",
                "이벤트를 지금 다시 보냅니다.";
            no_deliveries: "No deliveries yet.",
                "아직 전송 기록이 없습니다.";
            cb_before_create: "Before a channel is created: the app may refuse it",
                "채널을 만들기 전: 앱이 거부할 수 있음";
            cb_after_create: "After a channel is created",
                "채널을 만든 후";
            cb_info_changed: "After a channel's profile changes",
                "채널 프로필이 바뀐 후";
            cb_destroyed: "After a channel is deleted",
                "채널을 삭제한 후";
            cb_before_add: "Before users subscribe: the app may refuse some or all",
                "사용자가 구독하기 전: 앱이 일부 또는 전부를 거부할 수 있음";
            cb_after_add: "After users subscribe",
                "사용자가 구독한 후";
            cb_full: "When a channel reaches its subscriber limit",
                "채널이 구독자 한도에 도달했을 때";
            cb_after_delete: "After users unsubscribe or are removed",
                "사용자가 구독을 취소하거나 제거된 후";
            cb_before_send: "Before a post is sent: the app may refuse, drop or rewrite it",
                "게시물을 보내기 전: 앱이 거부, 폐기 또는 수정할 수 있음";
            cb_after_send: "After a post is sent",
                "게시물을 보낸 후";
            cb_withdraw: "After a post is recalled",
                "게시물을 회수한 후";
            test_event_name: "Test event",
                "테스트 이벤트";
            older_deliveries: "Older deliveries",
                "이전 전송 기록";
        }
    }
}

pub mod subscribers {
    use super::*;

    page_texts! {
        /// A channel's subscribers page.
        SubscriberTexts {
            subscribers: "Subscribers",
                "구독자";
            no_subscribers: "No subscribers here.",
                "구독자가 없습니다.";
            search_subscribers: "Search subscribers",
                "구독자 검색";
            subscriber_prefix: "Id starts with",
                "ID 시작 문자";
            newest_subscribers: "Newest",
                "최신";
            older_subscribers: "Older subscribers",
                "이전 구독자";
            subscribed: "Subscribed",
                "구독";
            remove_subscriber_title: "Remove {id}?",
                "{id}을(를) 제거할까요?";
            remove_subscriber_body: "{id} will no longer subscribe to {name}; the app's backend hears of it.",
                "{id}은(는) 더 이상 {name}을(를) 구독하지 않습니다. 앱 백엔드에 알려집니다.";
            growth_summary: "Subscribers per day over the last 30 days: {start} on {from}, {end} on {to}; at most {high}.",
                "최근 30일 동안의 일별 구독자 수: {from} {start}명, {to} {end}명, 최대 {high}명.";
        }
    }
}

pub mod settings {
    use super::*;

    page_texts! {
        /// The Settings page.
        SettingsTexts {
            add_admin: "Add administrator",
                "관리자 추가";
            administrators: "Administrators",
                "관리자";
            app_id: "Application ID (SDKAppID)",
                "애플리케이션 ID(SDKAppID)";
            copy_key_now: "Copy it now: it is not shown again.",
                "지금 복사하세요. 다시 표시되지 않습니다.";
            create_key: "Create secret key",
                "비밀 키 만들기";
            key_made: "Made {time}; ends in …{hint}.",
                "{time}에 생성, 끝자리 …{hint}.";
            new_secret_key: "New secret key",
                "새 비밀 키";
            no_admins: "No administrators yet: nobody can call the REST API.",
                "아직 관리자가 없습니다. 아무도 REST API를 호출할 수 없습니다.";
            no_key: "No key yet: the REST API answers every call with error 131000 until one is made.",
                "아직 키가 없습니다. 키를 만들기 전까지 REST API는 모든 호출에 오류 131000으로 응답합니다.";
            previous_key_void: "UserSigs made with the previous key no longer work.",
                "이전 키로 만든 UserSig는 더 이상 쓸 수 없습니다.";
            remove_admin_named: "Remove administrator {name}",
                "관리자 {name} 제거";
            rest_api: "REST API",
                "REST API";
            rest_api_intro: "Scripts written for the vendor's official-account REST API work against this console: POST to {path} on this server with this application's id and a UserSig made with its secret key by one of the administrators below.",
                "공급사의 공식 계정 REST API용으로 작성한 스크립트를 이 콘솔에서 그대로 쓸 수 있습니다. 이 애플리케이션의 ID와, 아래 관리자 중 한 명이 비밀 키로 만든 UserSig를 붙여 이 서버의 {path}로 POST하세요.";
            rotate: "Rotate",
                "교체";
            rotate_body: "A new key replaces the current one at once: every UserSig made with the current key stops working, so update your scripts.",
                "새 키가 즉시 현재 키를 대신합니다. 현재 키로 만든 모든 UserSig가 더 이상 작동하지 않으니 스크립트를 업데이트하세요.";
            rotate_key: "Rotate secret key",
                "비밀 키 교체";
            rotate_title: "Rotate the secret key?",
                "비밀 키를 교체할까요?";
            secret_key: "Secret key",
                "비밀 키";
        }
    }
}

pub mod operators {
    use super::*;

    page_texts! {
        /// The Operators page.
        OperatorTexts {
            actions: "Actions",
                "작업";
            add_operator: "Add operator",
                "운영자 추가";
            added: "Added",
                "추가일";
            change_password: "Change password",
                "비밀번호 변경";
            change_password_title: "Change your password",
                "내 비밀번호 변경";
            initial_password: "Initial password",
                "초기 비밀번호";
            last_sign_in: "Last sign-in",
                "마지막 로그인";
            never: "never",
                "없음";
            operator_added: "Operator {name} added.",
                "운영자를 추가했습니다: {name}.";
            operator_name: "Operator name",
                "운영자 이름";
            password_changed: "Your password was changed. Your other sessions were signed out.",
                "비밀번호를 변경했습니다. 다른 세션은 모두 로그아웃되었습니다.";
            passwords_differ: "Repeat new password: the two passwords differ.",
                "새 비밀번호 확인: 두 비밀번호가 다릅니다.";
            remove_operator_body: "Remove “{name}”? They are signed out everywhere and can no longer sign in. The audit log keeps what they did.",
                "“{name}” 운영자를 제거할까요? 모든 곳에서 로그아웃되며 더 이상 로그인할 수 없습니다. 감사 로그에는 이 운영자가 한 일이 남습니다.";
            remove_operator_title: "Remove operator?",
                "운영자를 제거할까요?";
            repeat_password: "Repeat new password",
                "새 비밀번호 확인";
            you: " (you)",
                " (나)";
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(text: &str) -> Vec<&str> {
        let mut names: Vec<&str> = text.split('{').skip(1).filter_map(|s| s.split('}').next()).collect();
        names.sort();
        names
    }

    #[test]
    fn both_languages_name_the_same_values() {
        let all = webhooks::WebhookTexts::entries()
            .into_iter()
            .chain(subscribers::SubscriberTexts::entries())
            .chain(settings::SettingsTexts::entries())
            .chain(operators::OperatorTexts::entries());
        for (key, en, ko) in all {
            assert_eq!(placeholders(en), placeholders(ko), "{key}");
            assert!(!en.is_empty() && !ko.is_empty(), "{key}");
            // "REST API" reads the same in both languages.
            assert!(en != ko || key == "rest_api", "{key}: Korean left in English");
        }
        let texts = webhooks::WebhookTexts::of(Locale::Ko);
        assert_eq!(texts.refresh(), "새로 고침");
        assert_eq!(subscribers::SubscriberTexts::of(Locale::En).subscribed(), "Subscribed");
    }
}
