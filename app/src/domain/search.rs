//! Search terms and highlighting, shared so that the browser marks exactly what the server
//! matched.

/// The terms of a search box's text: whitespace-separated, quotes removed, empty ones
/// dropped, at most 8 (a longer query is an accident or an attack, not a search).
pub fn terms(query: &str) -> Vec<String> {
    query
        .split_whitespace()
        .map(|t| t.replace('"', ""))
        .filter(|t| !t.is_empty())
        .take(8)
        .collect()
}

/// Splits `text` into runs, each marked `true` where it matches one of `terms`
/// (case-insensitively for ASCII letters, exactly otherwise).
pub fn highlight(text: &str, terms: &[String]) -> Vec<(String, bool)> {
    let mut runs: Vec<(String, bool)> = Vec::new();
    let push = |runs: &mut Vec<(String, bool)>, s: &str, hit: bool| match runs.last_mut() {
        Some((last, h)) if *h == hit => last.push_str(s),
        _ => runs.push((s.to_owned(), hit)),
    };
    let mut i = 0;
    'outer: while i < text.len() {
        for term in terms {
            if let Some(candidate) = text.get(i..i + term.len()) {
                if !term.is_empty() && candidate.eq_ignore_ascii_case(term) {
                    push(&mut runs, candidate, true);
                    i += term.len();
                    continue 'outer;
                }
            }
        }
        let len = text[i..].chars().next().map(char::len_utf8).unwrap_or(1);
        push(&mut runs, &text[i..i + len], false);
        i += len;
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn splits_terms() {
        assert_eq!(terms("  rust  \"news\" 뉴스 "), t(&["rust", "news", "뉴스"]));
        assert_eq!(terms("\"\" "), Vec::<String>::new());
        assert_eq!(terms("a b c d e f g h i j").len(), 8);
    }

    #[test]
    fn marks_matches_case_insensitively() {
        let runs = highlight("Rust news: RUST wins", &t(&["rust"]));
        assert_eq!(
            runs,
            vec![
                ("Rust".into(), true),
                (" news: ".into(), false),
                ("RUST".into(), true),
                (" wins".into(), false)
            ]
        );
    }

    #[test]
    fn marks_korean_and_chinese_substrings() {
        let runs = highlight("오늘의 뉴스입니다 新闻联播", &t(&["뉴스", "新闻"]));
        assert_eq!(
            runs,
            vec![
                ("오늘의 ".into(), false),
                ("뉴스".into(), true),
                ("입니다 ".into(), false),
                ("新闻".into(), true),
                ("联播".into(), false)
            ]
        );
    }

    #[test]
    fn no_terms_no_marks() {
        assert_eq!(highlight("plain", &[]), vec![("plain".into(), false)]);
        assert_eq!(highlight("", &t(&["x"])), vec![]);
    }
}
