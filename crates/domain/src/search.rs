//! Search text: what a person typed into a search box, as the lists (people, the catalog)
//! match it.

/// Longest search text taken; the rest is ignored.
pub const MAX_SEARCH_CHARS: usize = 200;

/// Search text without control characters or surrounding spaces, cut at [`MAX_SEARCH_CHARS`]
/// characters, and never empty: text with nothing left searches nothing (everything matches),
/// so [`SearchText::new`] gives `None` for it. However long the text typed, a search stays a
/// cheap pattern for the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText(String);

impl SearchText {
    pub fn new(typed: &str) -> Option<Self> {
        let kept: String = typed.chars().filter(|c| !c.is_control()).collect();
        let kept: String = kept.trim().chars().take(MAX_SEARCH_CHARS).collect();
        (!kept.is_empty()).then_some(Self(kept))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_loses_controls_and_spaces_and_is_cut() {
        assert_eq!(
            SearchText::new("  Al\u{0}ge\nbra "),
            SearchText::new("Algebra")
        );
        assert_eq!(SearchText::new("Algebra").unwrap().as_str(), "Algebra");
        assert_eq!(SearchText::new(" \t\u{0} "), None);
        assert_eq!(SearchText::new(""), None);
        let long = "é".repeat(60_000);
        let cut = SearchText::new(&long).unwrap();
        assert_eq!(cut.as_str().chars().count(), MAX_SEARCH_CHARS);
        // Spaces first, then the text: what is kept is the text.
        let padded = format!("{}{}", " ".repeat(300), "x".repeat(300));
        assert_eq!(
            SearchText::new(&padded).unwrap().as_str().len(),
            MAX_SEARCH_CHARS
        );
    }
}
