//! Display names as everyone shows them. A name comes from a stranger (a
//! token's claim, a provider profile), so before it is stored or shown it
//! loses what could make it pose as another: bidirectional overrides and
//! isolates (U+202E shows the text after it backwards), zero-width and other
//! invisible formatting characters, blank fillers, piles of combining
//! marks, line breaks; runs of spaces become one, and it is capped.

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Longest display name, in characters.
pub const MAX_NAME_CHARS: usize = 80;

/// Combining marks kept on one base character (enough for any script's
/// real text; more is "Zalgo" text drawn over its neighbours).
const MAX_MARKS: usize = 3;

/// Letters that draw as blank space although they are not spaces.
const BLANK_LETTERS: [char; 7] =
    ['\u{115F}', '\u{1160}', '\u{3164}', '\u{FFA0}', '\u{2800}', '\u{17B4}', '\u{17B5}'];

/// The name fit to show, or `None` when nothing visible is left.
pub fn clean(raw: &str) -> Option<String> {
    let mut name = String::with_capacity(raw.len().min(MAX_NAME_CHARS * 4));
    let (mut kept, mut marks, mut pending_space) = (0, 0, false);
    for c in raw.chars() {
        if kept == MAX_NAME_CHARS {
            break;
        }
        let category = c.general_category();
        match category {
            _ if c.is_whitespace() || category == GeneralCategory::SpaceSeparator => {
                pending_space = kept > 0;
                continue;
            }
            GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::PrivateUse
            | GeneralCategory::Surrogate
            | GeneralCategory::Unassigned
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator => continue,
            _ if BLANK_LETTERS.contains(&c) || c == '\u{034F}' => continue,
            GeneralCategory::NonspacingMark | GeneralCategory::EnclosingMark => {
                if kept == 0 || marks == MAX_MARKS {
                    continue;
                }
                marks += 1;
            }
            _ => marks = 0,
        }
        if pending_space && marks == 0 {
            if kept + 1 == MAX_NAME_CHARS {
                break;
            }
            name.push(' ');
            kept += 1;
            pending_space = false;
        }
        name.push(c);
        kept += 1;
    }
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_names_pass_unchanged() {
        for name in ["Amina", "Jean-Baptiste N.", "Ngabo Uwase", "محمد", "李雷", "Zoë", "Đặng Thị"]
        {
            assert_eq!(clean(name).as_deref(), Some(name), "{name}");
        }
    }

    #[test]
    fn invisible_and_reordering_characters_are_removed() {
        assert_eq!(clean("\u{202E}animA\u{202C}").as_deref(), Some("animA"));
        assert_eq!(clean("Am\u{200B}ina\u{2066}\u{200F}").as_deref(), Some("Amina"));
        assert_eq!(clean("\u{FEFF}Amina\u{00AD}").as_deref(), Some("Amina"));
        assert_eq!(clean("Amina\u{3164}\u{3164}(host)").as_deref(), Some("Amina(host)"));
        assert_eq!(clean("Amina\n\rsupport\u{2028}team").as_deref(), Some("Amina support team"));
        assert_eq!(clean("\u{E000}Amina").as_deref(), Some("Amina"));
    }

    #[test]
    fn spaces_collapse_and_trim() {
        assert_eq!(clean("  Amina \u{2003}\u{00A0}  Uwase  ").as_deref(), Some("Amina Uwase"));
        assert_eq!(clean(" \u{200B}\u{3164} \u{202E}"), None);
        assert_eq!(clean(""), None);
    }

    #[test]
    fn combining_marks_are_bounded() {
        let zalgo = format!("A{}mina", "\u{0301}".repeat(40));
        assert_eq!(clean(&zalgo), Some("A\u{0301}\u{0301}\u{0301}mina".to_owned()));
        assert_eq!(clean("\u{0301}\u{0301}Amina").as_deref(), Some("Amina"));
    }

    #[test]
    fn long_names_are_capped() {
        let long = "a".repeat(500);
        assert_eq!(clean(&long).unwrap().chars().count(), MAX_NAME_CHARS);
        let spaced = "ab ".repeat(100);
        let cleaned = clean(&spaced).unwrap();
        assert!(cleaned.chars().count() <= MAX_NAME_CHARS && !cleaned.ends_with(' '), "{cleaned:?}");
    }
}
