//! Lesson content: a JSON array of blocks, checked against the lesson's kind and normalized.
//! Markdown is rendered to HTML here and sanitised, so what the store keeps and the server
//! serves is always safe to embed.
//!
//! Blocks:
//! - `{"type":"markdown","markdown":"..."}`; the normalized block gains `"html"` (derived: an
//!   `html` sent by a client, e.g. a round-tripped block, is ignored and rendered again);
//! - `{"type":"video","media":"<reference>","duration_seconds":N}` with `N > 0`;
//! - `{"type":"image","media":"<reference>","alt":"..."}` (`alt` may be empty or left out);
//! - `{"type":"assessment","assessment_id":"<uuid>"}`.
//!
//! Per kind: `text` holds at least one markdown block and only markdown and image blocks;
//! `video` exactly one video block plus markdown and image blocks; `quiz` and `assignment`
//! exactly one assessment block plus markdown blocks.

use crate::course::LessonKind;
use crate::error::ValidationError;
use pulldown_cmark::{html, Event, Options, Parser};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::borrow::Cow;
use std::sync::OnceLock;
use uuid::Uuid;

/// Most blocks one lesson holds.
pub const MAX_BLOCKS: usize = 200;
/// Most characters of Markdown, all blocks together, one lesson holds.
pub const MAX_MARKDOWN_CHARS: usize = 200_000;
/// Longest media reference, in characters.
pub const MAX_MEDIA_CHARS: usize = 500;
/// Deepest nesting of Markdown blocks and inlines plus raw HTML elements in one block.
pub const MAX_NESTING: usize = 32;
/// Longest image description, in characters.
pub const MAX_ALT_CHARS: usize = 1_000;

/// One normalized content block, as `validate_content` returns it (in JSON) and the API
/// serves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ContentBlock {
    Markdown {
        markdown: String,
        /// `markdown` rendered and sanitised; derived, never taken from a client.
        html: String,
    },
    Video {
        media: String,
        duration_seconds: u32,
    },
    Image {
        media: String,
        alt: String,
    },
    Assessment {
        assessment_id: Uuid,
    },
}

impl ContentBlock {
    fn type_name(&self) -> &'static str {
        match self {
            ContentBlock::Markdown { .. } => "markdown",
            ContentBlock::Video { .. } => "video",
            ContentBlock::Image { .. } => "image",
            ContentBlock::Assessment { .. } => "assessment",
        }
    }
}

const BLOCK_TYPES: &str = "markdown, video, image, assessment";

/// The block types a lesson of `kind` may hold.
fn allowed_blocks(kind: LessonKind) -> &'static [&'static str] {
    match kind {
        LessonKind::Text => &["markdown", "image"],
        LessonKind::Video => &["video", "markdown", "image"],
        LessonKind::Quiz | LessonKind::Assignment => &["assessment", "markdown"],
    }
}

/// What breaks the content rules at the place an `INVALID_CONTENT` refusal names (its
/// `path`): typed, so a face can word it in its reader's language; written out (`Display`) as
/// the API's message says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContentFault {
    /// The content is not an array.
    NotAnArray,
    /// More than [`MAX_BLOCKS`] blocks (how many there are).
    TooManyBlocks(usize),
    /// A block that is not an object.
    NotAnObject,
    /// A field the block needs is missing.
    Required,
    /// A field that must be a string is not.
    NotAString,
    /// A block type Lyceum does not know (as sent, shortened).
    UnknownType(String),
    /// A field a block of this type does not have.
    UnknownField { block: &'static str },
    /// A block type a lesson of this kind cannot hold.
    NotAllowed {
        kind: LessonKind,
        block: &'static str,
    },
    /// A second video or assessment block.
    OnlyOne {
        kind: LessonKind,
        block: &'static str,
    },
    /// The block a lesson of this kind needs is missing (a text lesson's Markdown, a video
    /// lesson's video, a quiz's or an assignment's assessment).
    Missing(LessonKind),
    /// An empty text.
    Empty,
    /// The lesson's Markdown, all blocks together, is longer than [`MAX_MARKDOWN_CHARS`].
    MarkdownTooLong,
    /// Markdown nested deeper than [`MAX_NESTING`] levels.
    TooDeep,
    /// A video's duration that is no whole number of seconds above 0.
    NotSeconds,
    /// A text longer than this many characters.
    TooLong(usize),
    /// A media reference holding control characters.
    ControlCharacter,
    /// An assessment id that is no UUID.
    NotAUuid,
}

impl std::fmt::Display for ContentFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ContentFault::NotAnArray => f.write_str("must be an array of blocks"),
            ContentFault::TooManyBlocks(count) => {
                write!(f, "holds {count} blocks; at most {MAX_BLOCKS} are allowed")
            }
            ContentFault::NotAnObject => f.write_str("must be an object"),
            ContentFault::Required => f.write_str("is required"),
            ContentFault::NotAString => f.write_str("must be a string"),
            ContentFault::UnknownType(other) => {
                write!(
                    f,
                    "unknown block type {other:?}; expected one of: {BLOCK_TYPES}"
                )
            }
            ContentFault::UnknownField { block } => {
                write!(f, "unknown field for a {block} block")
            }
            ContentFault::NotAllowed { kind, block } => write!(
                f,
                "a {kind} lesson cannot hold {block} blocks (allowed: {})",
                allowed_blocks(*kind).join(", ")
            ),
            ContentFault::OnlyOne { kind, block } => {
                write!(f, "a {kind} lesson holds exactly one {block} block")
            }
            ContentFault::Missing(LessonKind::Text) => {
                f.write_str("a text lesson needs at least one markdown block")
            }
            ContentFault::Missing(LessonKind::Video) => {
                f.write_str("a video lesson needs one video block")
            }
            ContentFault::Missing(kind) => {
                write!(f, "a {kind} lesson needs one assessment block")
            }
            ContentFault::Empty => f.write_str("must not be empty"),
            ContentFault::MarkdownTooLong => write!(
                f,
                "the lesson's Markdown exceeds {MAX_MARKDOWN_CHARS} characters in total"
            ),
            ContentFault::TooDeep => write!(
                f,
                "nests blocks, inlines or HTML elements more than {MAX_NESTING} levels deep"
            ),
            ContentFault::NotSeconds => {
                f.write_str("must be a whole number of seconds greater than 0")
            }
            ContentFault::TooLong(max) => write!(f, "must be at most {max} characters"),
            ContentFault::ControlCharacter => f.write_str("must not contain control characters"),
            ContentFault::NotAUuid => f.write_str("must be a UUID"),
        }
    }
}

/// Checks lesson content for a lesson of `kind` and returns it normalized (JSON), or the first
/// problem as `INVALID_CONTENT`, its path naming the block (`content[2].media: ...`).
pub fn validate_content(kind: LessonKind, blocks: &Value) -> Result<Value, ValidationError> {
    let parsed = parse_content(kind, blocks)?;
    Ok(serde_json::to_value(parsed).expect("content blocks serialize to JSON"))
}

/// The assessment a lesson's stored content names (a quiz's or an assignment's), if any.
pub fn assessment_of(content: &Value) -> Option<Uuid> {
    content
        .as_array()?
        .iter()
        .find(|block| block.get("type").and_then(Value::as_str) == Some("assessment"))?
        .get("assessment_id")?
        .as_str()?
        .parse()
        .ok()
}

/// Like [`validate_content`], answering the typed blocks.
pub fn parse_content(
    kind: LessonKind,
    blocks: &Value,
) -> Result<Vec<ContentBlock>, ValidationError> {
    let Value::Array(items) = blocks else {
        return Err(invalid("content", ContentFault::NotAnArray));
    };
    if items.len() > MAX_BLOCKS {
        return Err(invalid("content", ContentFault::TooManyBlocks(items.len())));
    }
    let mut markdown_chars = 0;
    let (mut markdowns, mut videos, mut assessments) = (0, 0, 0);
    let mut parsed = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let block = parse_block(index, item, &mut markdown_chars)?;
        if !allowed_blocks(kind).contains(&block.type_name()) {
            return Err(invalid(
                format!("content[{index}].type"),
                ContentFault::NotAllowed {
                    kind,
                    block: block.type_name(),
                },
            ));
        }
        match block {
            ContentBlock::Markdown { .. } => markdowns += 1,
            ContentBlock::Video { .. } => videos += 1,
            ContentBlock::Assessment { .. } => assessments += 1,
            ContentBlock::Image { .. } => {}
        }
        if videos > 1 || assessments > 1 {
            return Err(invalid(
                format!("content[{index}]"),
                ContentFault::OnlyOne {
                    kind,
                    block: block.type_name(),
                },
            ));
        }
        parsed.push(block);
    }
    let missing = match kind {
        LessonKind::Text => markdowns == 0,
        LessonKind::Video => videos == 0,
        LessonKind::Quiz | LessonKind::Assignment => assessments == 0,
    };
    if missing {
        return Err(invalid("content", ContentFault::Missing(kind)));
    }
    Ok(parsed)
}

/// The duration of the content's video block, if it has a valid one. Meant for normalized
/// content; anything else simply answers `None`.
pub fn video_duration(blocks: &Value) -> Option<u32> {
    blocks.as_array()?.iter().find_map(|block| {
        if block.get("type")?.as_str()? != "video" {
            return None;
        }
        let seconds = u32::try_from(block.get("duration_seconds")?.as_u64()?).ok()?;
        (seconds > 0).then_some(seconds)
    })
}

/// Renders Markdown (CommonMark plus tables and strikethrough) to sanitised HTML: no scripts,
/// styles, event handlers, forms, frames or `javascript:`/`data:` URLs; links get
/// `rel="noopener noreferrer"`; code blocks keep their `language-*` class. Images come only
/// from Markdown's own syntax (`![description](address)`), which always gives them a text
/// alternative: raw HTML holding an `<img>` is left out.
///
/// Refused (with the reason) when blocks, inlines and raw HTML elements nest deeper than
/// [`MAX_NESTING`]: the sanitiser's work grows with the square of the depth, and no lesson needs
/// a quote in a quote thirty levels down.
pub fn render_markdown(markdown: &str) -> Result<String, String> {
    render(markdown).map_err(|fault| fault.to_string())
}

/// [`render_markdown`], refusing with [`ContentFault::TooDeep`].
fn render(markdown: &str) -> Result<String, ContentFault> {
    let parser = Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    );
    let mut events = Vec::new();
    let (mut depth, mut raw) = (0usize, RawHtmlDepth::default());
    for event in parser {
        match &event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Html(html) | Event::InlineHtml(html) => {
                if html.to_ascii_lowercase().contains("<img") {
                    continue;
                }
                raw.read(html);
            }
            _ => {}
        }
        if depth + raw.deepest > MAX_NESTING {
            return Err(ContentFault::TooDeep);
        }
        events.push(event);
    }
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut html, events.into_iter());
    Ok(sanitizer().clean(&html).to_string())
}

/// How deep raw HTML elements nest, read tag by tag. Elements that close themselves or whose
/// end tag HTML leaves optional (`<br>`, `<p>`, `<li>` ...) are not counted: they do not pile
/// up in the sanitiser's tree.
#[derive(Default)]
struct RawHtmlDepth {
    open: usize,
    deepest: usize,
}

impl RawHtmlDepth {
    /// Elements that never nest by their own tags alone.
    const FLAT: &'static [&'static str] = &[
        "area", "base", "br", "col", "colgroup", "dd", "dt", "embed", "hr", "img", "input", "li",
        "link", "meta", "option", "p", "param", "rp", "rt", "source", "tbody", "td", "tfoot", "th",
        "thead", "tr", "track", "wbr",
    ];

    fn read(&mut self, html: &str) {
        let mut rest = html;
        while let Some(at) = rest.find('<') {
            rest = &rest[at + 1..];
            let closing = rest.starts_with('/');
            let name: String = rest
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .map(|c| c.to_ascii_lowercase())
                .collect();
            if name.is_empty() || Self::FLAT.contains(&name.as_str()) {
                continue;
            }
            let self_closing = rest.find('>').is_some_and(|end| rest[..end].ends_with('/'));
            if closing {
                self.open = self.open.saturating_sub(1);
            } else if !self_closing {
                self.open += 1;
                self.deepest = self.deepest.max(self.open);
            }
        }
    }
}

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static SANITIZER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    SANITIZER.get_or_init(|| {
        let mut builder = ammonia::Builder::default();
        builder
            .add_tag_attributes("code", &["class"])
            .attribute_filter(|element, attribute, value| match (element, attribute) {
                ("code", "class") => {
                    let languages = value.split_ascii_whitespace().all(|class| {
                        class.strip_prefix("language-").is_some_and(|lang| {
                            !lang.is_empty()
                                && lang
                                    .chars()
                                    .all(|c| c.is_ascii_alphanumeric() || "-_+#.".contains(c))
                        })
                    });
                    languages.then_some(Cow::Borrowed(value))
                }
                _ => Some(Cow::Borrowed(value)),
            });
        builder
    })
}

fn invalid(path: impl Into<String>, reason: ContentFault) -> ValidationError {
    ValidationError::InvalidContent {
        path: path.into(),
        reason,
    }
}

fn parse_block(
    index: usize,
    item: &Value,
    markdown_chars: &mut usize,
) -> Result<ContentBlock, ValidationError> {
    let Value::Object(fields) = item else {
        return Err(invalid(
            format!("content[{index}]"),
            ContentFault::NotAnObject,
        ));
    };
    let path = |field: &str| format!("content[{index}].{}", truncate(field, 40));
    let block_type = match fields.get("type") {
        None => return Err(invalid(path("type"), ContentFault::Required)),
        Some(Value::String(t)) => t.as_str(),
        Some(_) => return Err(invalid(path("type"), ContentFault::NotAString)),
    };
    let (block_type, known): (&'static str, &[&str]) = match block_type {
        "markdown" => ("markdown", &["type", "markdown", "html"]),
        "video" => ("video", &["type", "media", "duration_seconds"]),
        "image" => ("image", &["type", "media", "alt"]),
        "assessment" => ("assessment", &["type", "assessment_id"]),
        other => {
            let other = truncate(other, 40).into_owned();
            return Err(invalid(path("type"), ContentFault::UnknownType(other)));
        }
    };
    if let Some(unknown) = fields.keys().find(|k| !known.contains(&k.as_str())) {
        let fault = ContentFault::UnknownField { block: block_type };
        return Err(invalid(path(unknown), fault));
    }
    let text = |name: &str| -> Result<Option<&str>, ValidationError> {
        match fields.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(invalid(path(name), ContentFault::NotAString)),
        }
    };
    let required = |name: &str| -> Result<&str, ValidationError> {
        text(name)?.ok_or_else(|| invalid(path(name), ContentFault::Required))
    };
    let block = match block_type {
        "markdown" => {
            let markdown = required("markdown")?;
            // `html` is derived; a string sent back (a round-tripped block) is ignored.
            text("html")?;
            if markdown.trim().is_empty() {
                return Err(invalid(path("markdown"), ContentFault::Empty));
            }
            *markdown_chars += markdown.chars().count();
            if *markdown_chars > MAX_MARKDOWN_CHARS {
                return Err(invalid(path("markdown"), ContentFault::MarkdownTooLong));
            }
            ContentBlock::Markdown {
                markdown: markdown.to_owned(),
                html: render(markdown).map_err(|r| invalid(path("markdown"), r))?,
            }
        }
        "video" => {
            let media =
                media_reference(required("media")?).map_err(|r| invalid(path("media"), r))?;
            let duration_seconds = match fields.get("duration_seconds") {
                None => return Err(invalid(path("duration_seconds"), ContentFault::Required)),
                Some(value) => value
                    .as_u64()
                    .and_then(|s| u32::try_from(s).ok())
                    .filter(|s| *s > 0)
                    .ok_or_else(|| invalid(path("duration_seconds"), ContentFault::NotSeconds))?,
            };
            ContentBlock::Video {
                media,
                duration_seconds,
            }
        }
        "image" => {
            let media =
                media_reference(required("media")?).map_err(|r| invalid(path("media"), r))?;
            let alt = text("alt")?.unwrap_or_default().trim();
            if alt.chars().count() > MAX_ALT_CHARS {
                return Err(invalid(path("alt"), ContentFault::TooLong(MAX_ALT_CHARS)));
            }
            ContentBlock::Image {
                media,
                alt: alt.to_owned(),
            }
        }
        "assessment" => {
            let id = required("assessment_id")?;
            let assessment_id = Uuid::try_parse(id)
                .map_err(|_| invalid(path("assessment_id"), ContentFault::NotAUuid))?;
            ContentBlock::Assessment { assessment_id }
        }
        _ => unreachable!("block types are checked above"),
    };
    Ok(block)
}

/// Checks a media reference (a storage key or URL the media service resolves) and trims it.
fn media_reference(value: &str) -> Result<String, ContentFault> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ContentFault::Empty);
    }
    if value.chars().count() > MAX_MEDIA_CHARS {
        return Err(ContentFault::TooLong(MAX_MEDIA_CHARS));
    }
    if value.chars().any(char::is_control) {
        return Err(ContentFault::ControlCharacter);
    }
    Ok(value.to_owned())
}

fn truncate(value: &str, max: usize) -> Cow<'_, str> {
    match value.char_indices().nth(max) {
        Some((at, _)) => Cow::Owned(format!("{}…", &value[..at])),
        None => Cow::Borrowed(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ASSESSMENT: &str = "0190a5f2-7c1e-7a3b-9d4e-5f6a7b8c9d0e";

    fn md(text: &str) -> Value {
        json!({"type": "markdown", "markdown": text})
    }

    fn video(seconds: u64) -> Value {
        json!({"type": "video", "media": "videos/intro.mp4", "duration_seconds": seconds})
    }

    fn image() -> Value {
        json!({"type": "image", "media": "img/diagram.png", "alt": "A diagram"})
    }

    fn assessment() -> Value {
        json!({"type": "assessment", "assessment_id": ASSESSMENT})
    }

    /// The error's text, after checking its code.
    fn refused(kind: LessonKind, blocks: Value) -> String {
        let err = validate_content(kind, &blocks).unwrap_err();
        assert_eq!(err.code(), "INVALID_CONTENT", "{err}");
        err.to_string()
    }

    #[test]
    fn deep_nesting_is_refused_and_shallow_nesting_rendered() {
        let refused = |source: &str| render_markdown(source).unwrap_err();
        assert!(refused(&">".repeat(20_000)).contains("levels deep"));
        assert!(refused(&format!("{}x", "- ".repeat(100))).contains("levels deep"));
        assert!(refused(&"<div>".repeat(100)).contains("levels deep"));
        let mixed = format!("{}{}x", "> ".repeat(20), "<em>".repeat(20));
        assert!(
            refused(&mixed).contains("levels deep"),
            "quotes and HTML add up"
        );
        let fine = render_markdown(&format!("{}x", "> ".repeat(8))).unwrap();
        assert_eq!(fine.matches("<blockquote>").count(), 8, "{fine}");
        // Elements that close themselves or whose end tag is optional do not pile up.
        let list = render_markdown(&"<ul><li>a<li>b<br><p>c</ul>".repeat(200)).unwrap();
        assert!(list.contains("<li>"), "{list}");
        let parsed = parse_content(
            LessonKind::Text,
            &json!([{"type": "markdown", "markdown": ">".repeat(1_000)}]),
        );
        assert!(
            matches!(&parsed, Err(ValidationError::InvalidContent { path, .. }) if path == "content[0].markdown"),
            "{parsed:?}"
        );
    }

    #[test]
    fn text_lesson_is_normalized_with_html() {
        let out = validate_content(
            LessonKind::Text,
            &json!([md("# Title\n\nSome *text*."), image()]),
        )
        .unwrap();
        assert_eq!(
            out,
            json!([
                {
                    "type": "markdown",
                    "markdown": "# Title\n\nSome *text*.",
                    "html": "<h1>Title</h1>\n<p>Some <em>text</em>.</p>\n"
                },
                {"type": "image", "media": "img/diagram.png", "alt": "A diagram"}
            ])
        );
        // Normalized content validates again to itself (round trip with `html`).
        assert_eq!(validate_content(LessonKind::Text, &out).unwrap(), out);
    }

    #[test]
    fn client_html_is_replaced_not_trusted() {
        let block = json!({"type": "markdown", "markdown": "hi", "html": "<script>x()</script>"});
        let out = validate_content(LessonKind::Text, &json!([block])).unwrap();
        assert_eq!(out[0]["html"], "<p>hi</p>\n");
        let err = refused(
            LessonKind::Text,
            json!([{"type": "markdown", "markdown": "hi", "html": 3}]),
        );
        assert_eq!(err, "content[0].html: must be a string");
    }

    #[test]
    fn text_lesson_rules() {
        assert!(refused(LessonKind::Text, json!([]))
            .contains("a text lesson needs at least one markdown block"));
        assert!(refused(LessonKind::Text, json!([image()]))
            .starts_with("content: a text lesson needs at least one markdown block"));
        assert_eq!(
            refused(LessonKind::Text, json!([md("a"), video(10)])),
            "content[1].type: a text lesson cannot hold video blocks (allowed: markdown, image)"
        );
        assert!(refused(LessonKind::Text, json!([md("a"), assessment()]))
            .starts_with("content[1].type: a text lesson cannot hold assessment blocks"));
        assert!(validate_content(LessonKind::Text, &json!([md("a"), md("b"), image()])).is_ok());
    }

    #[test]
    fn video_lesson_rules() {
        let out = validate_content(
            LessonKind::Video,
            &json!([md("Watch this"), video(90), image()]),
        )
        .unwrap();
        assert_eq!(out[1], video(90));
        assert_eq!(video_duration(&out), Some(90));
        assert!(validate_content(LessonKind::Video, &json!([video(1)])).is_ok());

        assert_eq!(
            refused(LessonKind::Video, json!([md("a")])),
            "content: a video lesson needs one video block"
        );
        assert_eq!(
            refused(LessonKind::Video, json!([video(5), md("a"), video(6)])),
            "content[2]: a video lesson holds exactly one video block"
        );
        assert!(refused(LessonKind::Video, json!([video(5), assessment()]))
            .starts_with("content[1].type: a video lesson cannot hold assessment blocks"));
    }

    #[test]
    fn quiz_and_assignment_rules() {
        for kind in [LessonKind::Quiz, LessonKind::Assignment] {
            let out = validate_content(kind, &json!([md("Instructions"), assessment()])).unwrap();
            assert_eq!(out[1], assessment());
            assert!(validate_content(kind, &json!([assessment()])).is_ok());

            assert_eq!(
                refused(kind, json!([md("a")])),
                format!("content: a {kind} lesson needs one assessment block")
            );
            assert_eq!(
                refused(kind, json!([assessment(), assessment()])),
                format!("content[1]: a {kind} lesson holds exactly one assessment block")
            );
            assert!(
                refused(kind, json!([assessment(), image()])).starts_with(&format!(
                    "content[1].type: a {kind} lesson cannot hold image"
                ))
            );
            assert!(
                refused(kind, json!([assessment(), video(3)])).starts_with(&format!(
                    "content[1].type: a {kind} lesson cannot hold video"
                ))
            );
        }
    }

    #[test]
    fn assessment_ids_are_uuids_and_normalized() {
        let upper = ASSESSMENT.to_uppercase();
        let out = validate_content(
            LessonKind::Quiz,
            &json!([{"type": "assessment", "assessment_id": upper}]),
        )
        .unwrap();
        assert_eq!(out[0]["assessment_id"], ASSESSMENT);
        assert_eq!(
            refused(
                LessonKind::Quiz,
                json!([{"type": "assessment", "assessment_id": "quiz-1"}])
            ),
            "content[0].assessment_id: must be a UUID"
        );
        assert_eq!(
            refused(
                LessonKind::Quiz,
                json!([{"type": "assessment", "assessment_id": 7}])
            ),
            "content[0].assessment_id: must be a string"
        );
        assert_eq!(
            refused(LessonKind::Quiz, json!([{"type": "assessment"}])),
            "content[0].assessment_id: is required"
        );
    }

    #[test]
    fn content_must_be_an_array_of_objects() {
        assert_eq!(
            refused(LessonKind::Text, json!({"type": "markdown"})),
            "content: must be an array of blocks"
        );
        assert_eq!(
            refused(LessonKind::Text, json!("# hi")),
            "content: must be an array of blocks"
        );
        assert_eq!(
            refused(LessonKind::Text, json!([md("a"), "b"])),
            "content[1]: must be an object"
        );
    }

    #[test]
    fn block_type_is_required_and_known() {
        assert_eq!(
            refused(LessonKind::Text, json!([{"markdown": "a"}])),
            "content[0].type: is required"
        );
        assert_eq!(
            refused(LessonKind::Text, json!([{"type": 1, "markdown": "a"}])),
            "content[0].type: must be a string"
        );
        assert_eq!(
            refused(LessonKind::Text, json!([md("a"), {"type": "embed", "url": "x"}])),
            "content[1].type: unknown block type \"embed\"; expected one of: markdown, video, image, assessment"
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert_eq!(
            refused(
                LessonKind::Text,
                json!([{"type": "markdown", "markdown": "a", "style": "x"}])
            ),
            "content[0].style: unknown field for a markdown block"
        );
        assert_eq!(
            refused(
                LessonKind::Video,
                json!([{"type": "video", "media": "v", "duration_seconds": 3, "alt": "x"}])
            ),
            "content[0].alt: unknown field for a video block"
        );
        assert_eq!(
            refused(
                LessonKind::Quiz,
                json!([{"type": "assessment", "assessment_id": ASSESSMENT, "media": "x"}])
            ),
            "content[0].media: unknown field for a assessment block"
        );
    }

    #[test]
    fn markdown_must_be_a_non_empty_string() {
        assert_eq!(
            refused(LessonKind::Text, json!([md("   \n\t")])),
            "content[0].markdown: must not be empty"
        );
        assert_eq!(
            refused(LessonKind::Text, json!([{"type": "markdown"}])),
            "content[0].markdown: is required"
        );
        assert_eq!(
            refused(
                LessonKind::Text,
                json!([{"type": "markdown", "markdown": ["a"]}])
            ),
            "content[0].markdown: must be a string"
        );
    }

    #[test]
    fn video_fields() {
        let block = |media: Value, seconds: Value| json!([{"type": "video", "media": media, "duration_seconds": seconds}]);
        for bad in [
            json!(0),
            json!(-5),
            json!(1.5),
            json!("60"),
            json!(null),
            json!(5_000_000_000u64),
        ] {
            assert_eq!(
                refused(LessonKind::Video, block(json!("v.mp4"), bad.clone())),
                "content[0].duration_seconds: must be a whole number of seconds greater than 0",
                "{bad}"
            );
        }
        assert_eq!(
            refused(
                LessonKind::Video,
                json!([{"type": "video", "media": "v.mp4"}])
            ),
            "content[0].duration_seconds: is required"
        );
        assert_eq!(
            refused(
                LessonKind::Video,
                json!([{"type": "video", "duration_seconds": 3}])
            ),
            "content[0].media: is required"
        );
        assert_eq!(
            refused(LessonKind::Video, block(json!(""), json!(3))),
            "content[0].media: must not be empty"
        );
        assert_eq!(
            refused(LessonKind::Video, block(json!("  "), json!(3))),
            "content[0].media: must not be empty"
        );
        assert_eq!(
            refused(LessonKind::Video, block(json!(42), json!(3))),
            "content[0].media: must be a string"
        );
        assert_eq!(
            refused(LessonKind::Video, block(json!("a\nb"), json!(3))),
            "content[0].media: must not contain control characters"
        );
        // 500 characters (not bytes) is the limit.
        let longest = "é".repeat(MAX_MEDIA_CHARS);
        let out = validate_content(LessonKind::Video, &block(json!(longest), json!(3))).unwrap();
        assert_eq!(out[0]["media"], longest);
        assert_eq!(
            refused(LessonKind::Video, block(json!("x".repeat(501)), json!(3))),
            "content[0].media: must be at most 500 characters"
        );
        // References are trimmed.
        let out = validate_content(LessonKind::Video, &block(json!(" v.mp4 "), json!(3))).unwrap();
        assert_eq!(out[0]["media"], "v.mp4");
        assert_eq!(out[0]["duration_seconds"], 3);
    }

    #[test]
    fn image_fields() {
        let out = validate_content(
            LessonKind::Text,
            &json!([md("a"), {"type": "image", "media": "i.png"}]),
        )
        .unwrap();
        assert_eq!(
            out[1],
            json!({"type": "image", "media": "i.png", "alt": ""})
        );
        assert_eq!(
            refused(
                LessonKind::Text,
                json!([md("a"), {"type": "image", "media": "i.png", "alt": false}])
            ),
            "content[1].alt: must be a string"
        );
        assert_eq!(
            refused(
                LessonKind::Text,
                json!([md("a"), {"type": "image", "media": "i.png", "alt": "x".repeat(1001)}])
            ),
            "content[1].alt: must be at most 1000 characters"
        );
        assert_eq!(
            refused(
                LessonKind::Text,
                json!([md("a"), {"type": "image", "alt": "x"}])
            ),
            "content[1].media: is required"
        );
    }

    #[test]
    fn at_most_200_blocks() {
        let blocks: Vec<Value> = (0..MAX_BLOCKS).map(|i| md(&format!("block {i}"))).collect();
        assert!(validate_content(LessonKind::Text, &Value::Array(blocks.clone())).is_ok());
        let mut too_many = blocks;
        too_many.push(md("one more"));
        assert_eq!(
            refused(LessonKind::Text, Value::Array(too_many)),
            "content: holds 201 blocks; at most 200 are allowed"
        );
    }

    #[test]
    fn at_most_200_000_markdown_characters_in_total() {
        let half = "a".repeat(MAX_MARKDOWN_CHARS / 2);
        assert!(validate_content(LessonKind::Text, &json!([md(&half), md(&half)])).is_ok());
        assert_eq!(
            refused(
                LessonKind::Text,
                json!([md(&half), image(), md(&half), md("b")])
            ),
            "content[3].markdown: the lesson's Markdown exceeds 200000 characters in total"
        );
        // Characters, not bytes.
        let wide = "é".repeat(MAX_MARKDOWN_CHARS);
        assert!(validate_content(LessonKind::Text, &json!([md(&wide)])).is_ok());
    }

    #[test]
    fn the_first_problem_in_block_order_is_reported() {
        let err = refused(
            LessonKind::Text,
            json!([md("ok"), {"type": "image", "media": ""}, video(0)]),
        );
        assert_eq!(err, "content[1].media: must not be empty");
    }

    #[test]
    fn long_unknown_names_are_truncated_in_paths() {
        let name = "x".repeat(100);
        let err = refused(
            LessonKind::Text,
            json!([{"type": "markdown", "markdown": "a", name.clone(): 1}]),
        );
        assert_eq!(
            err,
            format!(
                "content[0].{}…: unknown field for a markdown block",
                "x".repeat(40)
            )
        );
    }

    #[test]
    fn video_duration_reads_normalized_content() {
        assert_eq!(video_duration(&json!([md("a"), video(42)])), Some(42));
        assert_eq!(video_duration(&json!([md("a")])), None);
        assert_eq!(video_duration(&json!([])), None);
        assert_eq!(video_duration(&json!({"type": "video"})), None);
        assert_eq!(video_duration(&json!([video(0)])), None);
        assert_eq!(
            video_duration(&json!([{"type": "video", "duration_seconds": "9"}])),
            None
        );
    }

    #[test]
    fn typed_blocks_match_the_json() {
        let blocks = parse_content(LessonKind::Video, &json!([video(7), md("*x*")])).unwrap();
        assert_eq!(
            blocks[0],
            ContentBlock::Video {
                media: "videos/intro.mp4".to_owned(),
                duration_seconds: 7
            }
        );
        assert_eq!(
            blocks[1],
            ContentBlock::Markdown {
                markdown: "*x*".to_owned(),
                html: "<p><em>x</em></p>\n".to_owned()
            }
        );
        let json = serde_json::to_value(&blocks).unwrap();
        let back: Vec<ContentBlock> = serde_json::from_value(json).unwrap();
        assert_eq!(back, blocks);
    }

    // --- Markdown rendering and sanitising ---

    #[test]
    fn scripts_are_removed_with_their_content() {
        let html = render_markdown(
            "Hello\n\n<script>alert('x')</script>\n\nworld <script>steal()</script>",
        )
        .unwrap();
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("alert"), "{html}");
        assert!(!html.contains("steal"), "{html}");
        assert!(html.contains("Hello") && html.contains("world"), "{html}");
        let html = render_markdown("<style>body{display:none}</style>\n\ntext").unwrap();
        assert!(
            !html.contains("<style") && !html.contains("display"),
            "{html}"
        );
    }

    #[test]
    fn event_handlers_are_removed() {
        for source in [
            "<a href=\"https://example.com\" onclick=\"steal()\">x</a>",
            "<img src=\"https://example.com/i.png\" onerror=\"steal()\">",
            "<p onmouseover=\"steal()\">hover</p>",
            "<div ONCLICK='steal()'>x</div>",
        ] {
            let html = render_markdown(source).unwrap();
            assert!(!html.to_lowercase().contains(" on"), "{source} -> {html}");
            assert!(!html.contains("steal"), "{source} -> {html}");
        }
    }

    #[test]
    fn javascript_urls_are_removed() {
        for source in [
            "[click](javascript:alert(1))",
            "[click](JavaScript:alert(1))",
            "<a href=\"javascript:alert(1)\">click</a>",
            "<a href=\"  javascript:alert(1)\">click</a>",
            "<a href=\"java&#x09;script:alert(1)\">click</a>",
            "![x](javascript:alert(1))",
            "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "<a href=\"vbscript:msgbox(1)\">vb</a>",
        ] {
            let html = render_markdown(source).unwrap();
            let lower = html.to_lowercase();
            assert!(!lower.contains("javascript"), "{source} -> {html}");
            assert!(!lower.contains("script:"), "{source} -> {html}");
            assert!(!lower.contains("data:"), "{source} -> {html}");
            assert!(!lower.contains("href=\"java"), "{source} -> {html}");
        }
    }

    #[test]
    fn dangerous_elements_are_removed() {
        let html = render_markdown(
            "<iframe src=\"https://evil.example\"></iframe>\n\n<form action=\"/x\"><input name=\"a\"></form>\n\n<object data=\"x.swf\"></object>\n\n<p style=\"background:url(x)\">styled</p>",
        ).unwrap();
        for banned in ["<iframe", "<form", "<input", "<object", "style="] {
            assert!(!html.contains(banned), "{banned} in {html}");
        }
        assert!(html.contains("styled"), "{html}");
    }

    #[test]
    fn headings_lists_links_and_code_survive() {
        let html = render_markdown(
            "## Section\n\n- one\n- two\n\n1. first\n2. second\n\nSee [the docs](https://example.com/docs \"Docs\") and `inline()`.\n\n```rust\nfn main() { println!(\"<hi>\"); }\n```\n\n> quoted **bold** ~~gone~~\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n![diagram](https://example.com/d.png)\n",
        ).unwrap();
        for expected in [
            "<h2>Section</h2>",
            "<ul>\n<li>one</li>\n<li>two</li>\n</ul>",
            "<ol>\n<li>first</li>\n<li>second</li>\n</ol>",
            "<a href=\"https://example.com/docs\" title=\"Docs\" rel=\"noopener noreferrer\">the docs</a>",
            "<code>inline()</code>",
            "<pre><code class=\"language-rust\">fn main() { println!(\"&lt;hi&gt;\"); }\n</code></pre>",
            "<blockquote>",
            "<strong>bold</strong>",
            "<del>gone</del>",
            "<table>",
            "<td>1</td>",
            "<img src=\"https://example.com/d.png\" alt=\"diagram\">",
        ] {
            assert!(html.contains(expected), "missing {expected:?} in\n{html}");
        }
    }

    #[test]
    fn relative_and_mail_links_survive() {
        let html =
            render_markdown("[next](../lesson-2) and [mail](mailto:teacher@example.com)").unwrap();
        assert!(html.contains("href=\"../lesson-2\""), "{html}");
        assert!(
            html.contains("href=\"mailto:teacher@example.com\""),
            "{html}"
        );
    }

    #[test]
    fn code_classes_other_than_languages_are_dropped() {
        let html =
            render_markdown("<code class=\"admin-banner\">x</code> <p class=\"x\">y</p>").unwrap();
        assert!(!html.contains("class"), "{html}");
        let html = render_markdown("```c++\nint x;\n```").unwrap();
        assert!(html.contains("<code class=\"language-c++\">"), "{html}");
        let html = render_markdown("<code class='language-x\" onclick=\"y'>z</code>").unwrap();
        assert!(!html.contains("onclick=\""), "{html}");
    }

    #[test]
    fn rendering_happens_in_validation() {
        let out = validate_content(
            LessonKind::Text,
            &json!([md(
                "# Hi\n\n<script>x()</script>\n\n[a](javascript:x) <b onclick=\"y()\">b</b>"
            )]),
        )
        .unwrap();
        let html = out[0]["html"].as_str().unwrap();
        assert!(html.starts_with("<h1>Hi</h1>"), "{html}");
        assert!(
            !html.contains("script") && !html.contains("onclick"),
            "{html}"
        );
        assert!(
            html.contains("<a rel=\"noopener noreferrer\">a</a>"),
            "{html}"
        );
        assert!(html.contains("<b>b</b>"), "{html}");
    }

    #[test]
    fn images_come_only_from_markdown_syntax_and_have_a_text_alternative() {
        let html = render_markdown("![A map](https://x.test/map.png)\n\n<img src=\"x\" onerror=\"alert(1)\">\n\nInline <img src=y> too.").unwrap();
        assert!(
            html.contains("<img src=\"https://x.test/map.png\" alt=\"A map\">"),
            "{html}"
        );
        assert_eq!(html.matches("<img").count(), 1, "{html}");
        assert!(!html.contains("onerror"), "{html}");
    }
}
