//! What the bulk imports from CSV files (enrollments, people) share: reading an uploaded file
//! (UTF-8, an optional byte-order mark, no NUL, a header row, bounded in size and rows; any
//! other file is refused whole with `INVALID_CSV` before anything is written) and the result of
//! each row. What a row means is each import's own.

use crate::Refusal;
use lyceum_domain::error::shown;
use serde::Serialize;

/// The outcome of one CSV row.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowResult {
    /// 1-based line number in the file (the header is line 1).
    pub line: u64,
    pub email: String,
    /// `created`, `failed`, or that nothing needed doing (`already_enrolled`,
    /// `already_exists`).
    pub result: &'static str,
    /// Why it failed: a stable code.
    pub code: Option<&'static str>,
    pub reason: Option<String>,
}

impl RowResult {
    pub(crate) fn done(line: u64, email: String, result: &'static str) -> Self {
        RowResult {
            line,
            email,
            result,
            code: None,
            reason: None,
        }
    }

    pub(crate) fn failed(line: u64, email: String, code: &'static str, reason: String) -> Self {
        RowResult {
            line,
            email,
            result: "failed",
            code: Some(code),
            reason: Some(reason),
        }
    }
}

/// A CSV file read whole: its header and its rows, each with its line number.
pub(crate) struct CsvFile {
    headers: csv::StringRecord,
    /// `(line, record or why it could not be read)`.
    pub(crate) rows: Vec<(u64, Result<csv::StringRecord, String>)>,
}

impl CsvFile {
    /// Reads `csv`: at most `max_bytes` and `max_rows` rows, with every column of `required`
    /// in its header (any case, any order).
    pub(crate) fn read(
        csv: &[u8],
        max_bytes: usize,
        max_rows: usize,
        required: &[&str],
    ) -> Result<CsvFile, Refusal> {
        if csv.len() > max_bytes {
            return Err(invalid(format!(
                "the file is larger than {} MiB",
                max_bytes / (1024 * 1024)
            )));
        }
        let text = std::str::from_utf8(csv).map_err(|e| {
            invalid(format!(
                "the file is not UTF-8 (first bad byte at offset {})",
                e.valid_up_to()
            ))
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if let Some(at) = text.find('\0') {
            return Err(invalid(format!(
                "the file holds a NUL character (\\0) at offset {at}, which no text may contain"
            )));
        }
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(true)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| invalid(format!("unreadable header row: {e}")))?
            .clone();
        let file = CsvFile {
            headers,
            rows: Vec::new(),
        };
        for name in required {
            if file.column(name).is_none() {
                return Err(invalid(format!(
                    "the header row needs an `{name}` column (found: {})",
                    shown(&file.headers.iter().collect::<Vec<_>>().join(", "))
                )));
            }
        }
        let mut file = file;
        for (index, record) in reader.records().enumerate() {
            if index >= max_rows {
                return Err(invalid(format!("at most {max_rows} rows per file")));
            }
            let line = index as u64 + 2;
            file.rows.push((line, record.map_err(|e| e.to_string())));
        }
        Ok(file)
    }

    /// Where the column `name` is (any case).
    pub(crate) fn column(&self, name: &str) -> Option<usize> {
        self.headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
    }

    /// How many columns the header names.
    pub(crate) fn width(&self) -> usize {
        self.headers.len()
    }
}

fn invalid(message: String) -> Refusal {
    Refusal::Malformed {
        code: "INVALID_CSV",
        message,
    }
}
