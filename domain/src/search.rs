//! Search: how a query splits into terms, which index answers each term, how a post's text
//! is tokenized for those indexes, and highlighting. One module, because these rules must
//! agree: the browser marks exactly what the server matched, and a term is looked up in the
//! index whose tokens can contain it.
//!
//! Two indexes answer a search:
//!  * a trigram index finds any substring of [`TRIGRAM_MIN_CHARS`] or more characters
//!    (English words, Korean and Chinese phrases);
//!  * a word index holds whole words and, for Hangul, Han and kana runs, every 2-character
//!    window ([`word_windows`]), for the shorter terms a trigram index cannot answer (many
//!    Korean and Chinese words are 2 characters long).

/// The terms of a search box's text: whitespace-separated, quotes and control characters
/// (NUL included) removed, empty ones dropped, at most 8 (a longer query is an accident or
/// an attack, not a search).
pub fn terms(query: &str) -> Vec<String> {
    query
        .split_whitespace()
        .map(|t| t.chars().filter(|c| *c != '"' && !c.is_control()).collect::<String>())
        .filter(|t| !t.is_empty())
        .take(8)
        .collect()
}

/// Terms this long or longer are substrings for the trigram index; shorter ones go to the
/// word index.
pub const TRIGRAM_MIN_CHARS: usize = 3;

/// The terms the trigram index answers, and those the word index answers.
pub fn split_terms(terms: &[String]) -> (Vec<&str>, Vec<&str>) {
    terms.iter().map(String::as_str).partition(|t| t.chars().count() >= TRIGRAM_MIN_CHARS)
}

/// Hangul, Han and kana: scripts written without spaces between words.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF | 0x3040..=0x30FF | 0x3130..=0x318F | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Rewrites every run of CJK characters as its overlapping 2-character windows
/// ("뉴스입니다" → "뉴스 스입 입니 니다"), so that a word index finds 2-character words
/// inside longer runs. Other text passes through for the index's own word splitting. Used
/// for a post's text when it is indexed and for a short term when it is looked up.
pub fn word_windows(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut run: Vec<char> = Vec::new();
    let flush = |run: &mut Vec<char>, out: &mut String| {
        match run.as_slice() {
            [] => {}
            [single] => {
                out.push(' ');
                out.push(*single);
                out.push(' ');
            }
            chars => {
                for pair in chars.windows(2) {
                    out.push(' ');
                    out.extend(pair);
                }
                out.push(' ');
            }
        }
        run.clear();
    };
    for c in text.chars() {
        if is_cjk(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Both indexes ignore case.
pub fn fold(text: &str) -> String {
    text.to_lowercase()
}

/// Every run of 3 consecutive characters of `text` (a substring of 3 or more characters
/// contains all of its own): what the trigram index holds of a post, and what it looks up
/// for a long term.
pub fn trigrams(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(TRIGRAM_MIN_CHARS).map(|w| w.iter().collect()).collect()
}

/// The longest word the word index keeps (in bytes); a longer one is cut, which still finds
/// it by its start (short terms are looked up as prefixes).
pub const MAX_WORD_BYTES: usize = 200;

/// The word index's tokens of `text`: its letters-and-digits runs after CJK runs became
/// their 2-character windows, case-folded.
pub fn words(text: &str) -> Vec<String> {
    word_windows(&fold(text))
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut end = w.len().min(MAX_WORD_BYTES);
            while !w.is_char_boundary(end) {
                end -= 1;
            }
            w[..end].to_owned()
        })
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
    fn control_characters_never_reach_a_query() {
        assert_eq!(terms("ab\u{0}c \u{7}\u{1b}[0m"), t(&["abc", "[0m"]));
        assert_eq!(terms("\u{0}"), Vec::<String>::new());
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
            vec![("Rust".into(), true), (" news: ".into(), false), ("RUST".into(), true), (" wins".into(), false)]
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
    fn cjk_runs_become_two_character_windows() {
        let words = |s: &str| word_windows(s).split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(words("뉴스입니다"), ["뉴스", "스입", "입니", "니다"]);
        assert_eq!(words("新闻 AI news"), ["新闻", "AI", "news"]);
        assert_eq!(words("a한b"), ["a", "한", "b"]);
        assert_eq!(word_windows("").trim(), "");
    }

    #[test]
    fn tokens_for_each_index() {
        assert_eq!(trigrams("Harbor"), ["Har", "arb", "rbo", "bor"]);
        assert_eq!(trigrams("서울역"), ["서울역"]);
        assert!(trigrams("ab").is_empty());
        assert_eq!(words("Seoul 서울역에서, AI!"), ["seoul", "서울", "울역", "역에", "에서", "ai"]);
        let long = "가".repeat(100);
        assert!(words(&format!("x{long}")).iter().all(|w| w.len() <= MAX_WORD_BYTES));
    }

    #[test]
    fn short_terms_go_to_the_word_index() {
        let terms = t(&["harbor", "서울", "뉴스입", "a"]);
        let (long, short) = split_terms(&terms);
        assert_eq!((long, short), (vec!["harbor", "뉴스입"], vec!["서울", "a"]));
    }

    #[test]
    fn no_terms_no_marks() {
        assert_eq!(highlight("plain", &[]), vec![("plain".into(), false)]);
        assert_eq!(highlight("", &t(&["x"])), vec![]);
    }
}
