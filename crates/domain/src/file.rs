//! Files kept in object storage: what a file is for ([`FilePurpose`], which bounds its size and
//! its types), the name it is shown under ([`FileName`], metadata only: never part of a storage
//! key), and the check that a file's first bytes are of the type its sender declared
//! ([`check_content`]). Storing, counting and signing are the layers' above.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::error::{parse_variant, ValidationError};

/// What a file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum FilePurpose {
    /// A document or image of a course's lessons, uploaded by its staff.
    CourseFile,
    /// A course's cover image.
    CourseCover,
    /// A learner's file attached to an assignment's submission.
    Submission,
    /// An organisation's logo or other brand image.
    Branding,
}

/// Images a browser shows inline. SVG is left out: it can carry script.
const IMAGES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];

/// Documents: PDF, office files (OOXML and OpenDocument) and plain text.
const DOCUMENTS: &[&str] = &[
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "text/plain",
    "text/markdown",
    "text/csv",
];

/// Types written as text: no magic number names them, so their content must read as UTF-8
/// text without NUL bytes instead.
const TEXT: &[&str] = &["text/plain", "text/markdown", "text/csv"];

/// Office formats are ZIP archives: a sniffer that cannot see far enough into one names it
/// `application/zip`.
const ZIPPED: &[&str] = &[
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
];

/// A mebibyte.
const MIB: u64 = 1024 * 1024;

impl FilePurpose {
    pub const ALL: [FilePurpose; 4] = [
        FilePurpose::CourseFile,
        FilePurpose::CourseCover,
        FilePurpose::Submission,
        FilePurpose::Branding,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FilePurpose::CourseFile => "course_file",
            FilePurpose::CourseCover => "course_cover",
            FilePurpose::Submission => "submission",
            FilePurpose::Branding => "branding",
        }
    }

    /// The largest file of this purpose, in bytes.
    pub fn max_bytes(self) -> u64 {
        match self {
            FilePurpose::CourseFile => 512 * MIB,
            FilePurpose::CourseCover => 5 * MIB,
            FilePurpose::Submission => 100 * MIB,
            FilePurpose::Branding => 2 * MIB,
        }
    }

    /// The content types a file of this purpose may have: images for covers and brands,
    /// documents and images for course files and submissions.
    pub fn allowed_types(self) -> Vec<&'static str> {
        match self {
            FilePurpose::CourseCover | FilePurpose::Branding => IMAGES.to_vec(),
            FilePurpose::CourseFile | FilePurpose::Submission => {
                DOCUMENTS.iter().chain(IMAGES).copied().collect()
            }
        }
    }
}

impl fmt::Display for FilePurpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for FilePurpose {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_variant("file purpose", s, &FilePurpose::ALL, FilePurpose::as_str)
    }
}

/// Why a file's type is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileFault {
    /// The declared type is not one this purpose takes (`FILE_TYPE_NOT_ALLOWED`).
    #[error("files for {purpose} may not be of type {declared:?}; allowed: {}", .purpose.allowed_types().join(", "))]
    NotAllowed {
        purpose: FilePurpose,
        declared: String,
    },
    /// The content is not of the declared type (`FILE_TYPE_MISMATCH`).
    #[error("the file's content is {found}, not the declared {declared}")]
    Mismatch { declared: String, found: String },
}

impl FileFault {
    pub fn code(&self) -> &'static str {
        match self {
            FileFault::NotAllowed { .. } => "FILE_TYPE_NOT_ALLOWED",
            FileFault::Mismatch { .. } => "FILE_TYPE_MISMATCH",
        }
    }
}

/// How many first bytes [`check_content`] wants to see (fewer for a smaller file).
pub const SNIFF_BYTES: usize = 8 * 1024;

/// The declared type's essence (`image/png` of `image/png; charset=x`), lower case, if it is one
/// `purpose` takes.
pub fn allowed_type(purpose: FilePurpose, declared: &str) -> Result<&'static str, FileFault> {
    let essence = declared
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    purpose
        .allowed_types()
        .into_iter()
        .find(|allowed| *allowed == essence)
        .ok_or_else(|| FileFault::NotAllowed {
            purpose,
            declared: declared.chars().take(100).collect(),
        })
}

/// Checks that `head` (the file's first [`SNIFF_BYTES`] bytes, or all of a smaller file) is of
/// the `declared` type, which must be one `purpose` takes. Binary types are named by their
/// magic numbers; text types must read as text (UTF-8, no NUL) and look like no binary type.
pub fn check_content(
    purpose: FilePurpose,
    declared: &str,
    head: &[u8],
) -> Result<&'static str, FileFault> {
    let declared = allowed_type(purpose, declared)?;
    let found = infer::get(head).map(|kind| kind.mime_type());
    let matches = match found {
        Some(found) if found == declared => true,
        Some("application/zip") => ZIPPED.contains(&declared),
        Some(_) => false,
        None => TEXT.contains(&declared) && reads_as_text(head),
    };
    if matches {
        Ok(declared)
    } else {
        Err(FileFault::Mismatch {
            declared: declared.to_owned(),
            found: found
                .unwrap_or(if reads_as_text(head) {
                    "text"
                } else {
                    "of an unknown type"
                })
                .to_owned(),
        })
    }
}

/// UTF-8 without NUL bytes, forgiving a character cut at the end of `head`.
fn reads_as_text(head: &[u8]) -> bool {
    if head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    }
}

/// The longest file name kept, in characters.
pub const MAX_FILE_NAME_CHARS: usize = 200;

/// The name a file is shown and downloaded under: the last part of what the sender called it
/// (any folder before a `/` or `\` dropped), without control characters, at most
/// [`MAX_FILE_NAME_CHARS`]; `file` when nothing is left. It is metadata only: storage keys
/// never hold it, so `../../etc/passwd` is a harmless name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileName(String);

impl FileName {
    pub fn new(sent: &str) -> FileName {
        let last = sent.rsplit(['/', '\\']).next().unwrap_or_default();
        let clean: String = last
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_FILE_NAME_CHARS)
            .collect();
        let clean = clean.trim().trim_start_matches('.').trim();
        FileName(if clean.is_empty() {
            "file".to_owned()
        } else {
            clean.to_owned()
        })
    }

    /// A name read back from storage (kept as it was made).
    pub fn stored(name: String) -> FileName {
        FileName(name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `Content-Disposition` header's value: `attachment` (or `inline`) with an ASCII
    /// `filename` (quotes, backslashes and other characters replaced by `_`) and the exact
    /// name as `filename*` (RFC 6266, UTF-8, percent-encoded).
    pub fn content_disposition(&self, inline: bool) -> String {
        let ascii: String = self
            .0
            .chars()
            .map(|c| {
                if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let mut encoded = String::new();
        for byte in self.0.bytes() {
            if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
                encoded.push(byte as char);
            } else {
                encoded.push_str(&format!("%{byte:02X}"));
            }
        }
        let kind = if inline { "inline" } else { "attachment" };
        format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
    }
}

impl fmt::Display for FileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
    ];

    #[test]
    fn path_tricks_leave_only_a_harmless_name() {
        assert_eq!(FileName::new("../../etc/passwd").as_str(), "passwd");
        assert_eq!(FileName::new("..\\..\\boot.ini").as_str(), "boot.ini");
        assert_eq!(FileName::new("/").as_str(), "file");
        assert_eq!(FileName::new("..").as_str(), "file");
        assert_eq!(FileName::new("a\0b\r\nc.txt").as_str(), "abc.txt");
        assert_eq!(FileName::new(".htaccess").as_str(), "htaccess");
        assert_eq!(
            FileName::new(&"x".repeat(10_000)).as_str().len(),
            MAX_FILE_NAME_CHARS
        );
    }

    #[test]
    fn content_disposition_cannot_be_broken_out_of() {
        let header = FileName::new("a\"; evil=1 é.png").content_disposition(false);
        assert_eq!(
            header,
            "attachment; filename=\"a_; evil=1 _.png\"; filename*=UTF-8''a%22%3B%20evil%3D1%20%C3%A9.png"
        );
        assert!(!header.contains('\n'));
    }

    #[test]
    fn declared_types_are_held_against_the_content() {
        assert_eq!(
            check_content(FilePurpose::CourseCover, "image/png", PNG),
            Ok("image/png")
        );
        assert_eq!(
            check_content(FilePurpose::CourseFile, "Image/PNG; x=y", PNG),
            Ok("image/png")
        );
        let fault = check_content(FilePurpose::CourseCover, "image/jpeg", PNG).unwrap_err();
        assert_eq!(fault.code(), "FILE_TYPE_MISMATCH");
        let fault =
            check_content(FilePurpose::CourseCover, "application/pdf", b"%PDF-1.7\n").unwrap_err();
        assert_eq!(fault.code(), "FILE_TYPE_NOT_ALLOWED");
        assert_eq!(
            check_content(FilePurpose::CourseFile, "application/pdf", b"%PDF-1.7\n"),
            Ok("application/pdf")
        );
        assert_eq!(
            check_content(FilePurpose::CourseFile, "text/plain", "héllo".as_bytes()),
            Ok("text/plain")
        );
        // A PNG declared as text, text declared as PDF, HTML as an image: all refused.
        assert!(check_content(FilePurpose::CourseFile, "text/plain", PNG).is_err());
        assert!(check_content(FilePurpose::CourseFile, "application/pdf", b"hello").is_err());
        assert!(
            check_content(FilePurpose::CourseFile, "image/png", b"<script>x</script>").is_err()
        );
        assert!(check_content(FilePurpose::CourseFile, "text/plain", b"a\0b").is_err());
        assert_eq!(
            check_content(FilePurpose::CourseFile, "image/svg+xml", b"<svg/>")
                .unwrap_err()
                .code(),
            "FILE_TYPE_NOT_ALLOWED"
        );
    }

    #[test]
    fn text_cut_inside_a_character_still_reads_as_text() {
        let text = "été".as_bytes();
        assert!(reads_as_text(&text[..text.len() - 1]));
        assert!(!reads_as_text(&[0xff, 0xfe, b'a']));
    }

    #[test]
    fn purposes_parse_by_their_names() {
        for purpose in FilePurpose::ALL {
            assert_eq!(purpose.as_str().parse::<FilePurpose>().unwrap(), purpose);
        }
        assert!("../x".parse::<FilePurpose>().is_err());
    }
}
