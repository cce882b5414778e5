//! A course's letter scale, without I/O: its bands from the highest down, each a letter and the
//! lowest course percent that earns it (A from 90, B from 80, ...), checked once
//! ([`LetterScale::new`], `INVALID_GRADING_SCALE`) and read by the gradebook
//! ([`LetterScale::letter`]). A course that never set one has [`LetterScale::default`]; an
//! empty scale gives no letters.

use crate::error::ValidationError;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

/// The most bands a scale holds.
pub const MAX_BANDS: usize = 20;
/// The longest letter, in characters (`A+`, `Pass`).
pub const MAX_LETTER_CHARS: usize = 8;

/// A band of a letter scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LetterBand {
    /// 1 to 8 characters, no control characters, each letter once in a scale.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 8))]
    pub letter: String,
    /// The lowest course percent that earns the letter: 0 to 100, kept to two decimals.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100))]
    pub min_percent: f64,
}

/// A checked letter scale: at most 20 bands, their percents strictly decreasing.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = Vec<LetterBand>))]
pub struct LetterScale(Vec<LetterBand>);

fn invalid(reason: impl Into<String>) -> ValidationError {
    ValidationError::InvalidGradingScale(reason.into())
}

impl LetterScale {
    /// The scale of `bands`, highest first: letters trimmed, 1 to 8 characters without control
    /// characters, each once; percents finite, from 0 to 100 (rounded to two decimals), each
    /// lower than the one before; at most 20 bands (`INVALID_GRADING_SCALE` otherwise).
    pub fn new(bands: Vec<LetterBand>) -> Result<Self, ValidationError> {
        if bands.len() > MAX_BANDS {
            return Err(invalid(format!("a scale holds at most {MAX_BANDS} bands")));
        }
        let mut seen = HashSet::new();
        let mut out: Vec<LetterBand> = Vec::with_capacity(bands.len());
        for (i, band) in bands.into_iter().enumerate() {
            let letter = band.letter.trim().to_owned();
            let chars = letter.chars().count();
            if chars == 0 || chars > MAX_LETTER_CHARS || letter.chars().any(char::is_control) {
                return Err(invalid(format!(
                    "bands[{i}].letter: 1 to {MAX_LETTER_CHARS} characters, no control characters"
                )));
            }
            if !seen.insert(letter.clone()) {
                return Err(invalid(format!(
                    "bands[{i}].letter: {letter} is used twice"
                )));
            }
            if !band.min_percent.is_finite() || !(0.0..=100.0).contains(&band.min_percent) {
                return Err(invalid(format!(
                    "bands[{i}].min_percent: a percent from 0 to 100"
                )));
            }
            let min_percent = (band.min_percent * 100.0).round() / 100.0;
            if out
                .last()
                .is_some_and(|above| min_percent >= above.min_percent)
            {
                return Err(invalid(format!(
                    "bands[{i}].min_percent: lower than the band above"
                )));
            }
            out.push(LetterBand {
                letter,
                min_percent,
            });
        }
        Ok(LetterScale(out))
    }

    /// The bands, highest first.
    pub fn bands(&self) -> &[LetterBand] {
        &self.0
    }

    /// The letter a course percent earns: the first band it reaches; none below every band.
    pub fn letter(&self, percent: f64) -> Option<&str> {
        self.0
            .iter()
            .find(|band| percent + 1e-9 >= band.min_percent)
            .map(|band| band.letter.as_str())
    }
}

impl Default for LetterScale {
    /// A from 90, B from 80, C from 70, D from 60, F below.
    fn default() -> Self {
        LetterScale(
            [
                ("A", 90.0),
                ("B", 80.0),
                ("C", 70.0),
                ("D", 60.0),
                ("F", 0.0),
            ]
            .into_iter()
            .map(|(letter, min_percent)| LetterBand {
                letter: letter.to_owned(),
                min_percent,
            })
            .collect(),
        )
    }
}

impl<'de> Deserialize<'de> for LetterScale {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let bands = Vec::<LetterBand>::deserialize(deserializer)?;
        LetterScale::new(bands).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for LetterScale {
    /// One band a line: the letter, a space, its lowest percent (`A 90`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for band in &self.0 {
            writeln!(f, "{} {}", band.letter, band.min_percent)?;
        }
        Ok(())
    }
}

/// The bands of a scale typed in a form: one band a line, the letter then its lowest percent
/// after the last space (`A 90`, `B+ 87,5`); blank lines are skipped. A line that does not read
/// so is `INVALID_GRADING_SCALE`; the bands are checked by [`LetterScale::new`].
pub fn bands_of_lines(text: &str) -> Result<Vec<LetterBand>, ValidationError> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .enumerate()
        .map(|(i, line)| {
            let (letter, percent) = line
                .rsplit_once(char::is_whitespace)
                .ok_or_else(|| invalid(format!("line {}: a letter, a space, a percent", i + 1)))?;
            let min_percent = percent
                .replace(',', ".")
                .parse()
                .map_err(|_| invalid(format!("line {}: a percent from 0 to 100", i + 1)))?;
            Ok(LetterBand {
                letter: letter.to_owned(),
                min_percent,
            })
        })
        .collect()
}

impl FromStr for LetterScale {
    type Err = ValidationError;
    /// A scale typed in a form ([`bands_of_lines`]), checked.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LetterScale::new(bands_of_lines(s)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(letter: &str, min_percent: f64) -> LetterBand {
        LetterBand {
            letter: letter.to_owned(),
            min_percent,
        }
    }

    #[test]
    fn a_percent_earns_the_first_band_it_reaches() {
        let scale = LetterScale::default();
        assert_eq!(scale.letter(100.0), Some("A"));
        assert_eq!(scale.letter(90.0), Some("A"));
        assert_eq!(scale.letter(89.99), Some("B"));
        assert_eq!(scale.letter(60.0), Some("D"));
        assert_eq!(scale.letter(0.0), Some("F"));
        let pass = LetterScale::new(vec![band("Pass", 50.0)]).unwrap();
        assert_eq!(pass.letter(49.99), None);
        assert_eq!(LetterScale::new(Vec::new()).unwrap().letter(100.0), None);
    }

    #[test]
    fn a_scale_is_letters_once_and_percents_strictly_decreasing_in_0_to_100() {
        let code = |bands: Vec<LetterBand>| LetterScale::new(bands).unwrap_err().code();
        for bad in [
            vec![band("", 90.0)],
            vec![band("   ", 90.0)],
            vec![band("ABCDEFGHI", 90.0)],
            vec![band("A\u{7}", 90.0)],
            vec![band("A", 90.0), band("A", 80.0)],
            vec![band("A", 101.0)],
            vec![band("A", -1.0)],
            vec![band("A", f64::NAN)],
            vec![band("A", f64::INFINITY)],
            vec![band("A", 80.0), band("B", 80.0)],
            vec![band("A", 70.0), band("B", 80.0)],
            (0..21)
                .map(|i| band(&format!("L{i}"), f64::from(100 - i)))
                .collect(),
        ] {
            assert_eq!(code(bad.clone()), "INVALID_GRADING_SCALE", "{bad:?}");
        }
        let kept = LetterScale::new(vec![band(" A+ ", 97.555), band("F", 0.0)]).unwrap();
        assert_eq!(kept.bands(), [band("A+", 97.56), band("F", 0.0)]);
        assert!(LetterScale::new(
            (0..20)
                .map(|i| band(&format!("L{i}"), f64::from(100 - i)))
                .collect()
        )
        .is_ok());
    }

    #[test]
    fn a_scale_reads_from_lines_and_json_through_the_same_check() {
        let scale: LetterScale = "A 90\n\n B+ 87,5 \nF 0".parse().unwrap();
        assert_eq!(
            scale.bands(),
            [band("A", 90.0), band("B+", 87.5), band("F", 0.0)]
        );
        assert_eq!(scale.to_string().parse::<LetterScale>().unwrap(), scale);
        assert_eq!(
            LetterScale::default()
                .to_string()
                .parse::<LetterScale>()
                .unwrap(),
            LetterScale::default()
        );
        for bad in ["A", "A ninety", "A 90\nB 95"] {
            assert_eq!(
                bad.parse::<LetterScale>().unwrap_err().code(),
                "INVALID_GRADING_SCALE",
                "{bad}"
            );
        }
        let json = serde_json::to_string(&scale).unwrap();
        assert_eq!(serde_json::from_str::<LetterScale>(&json).unwrap(), scale);
        assert!(
            serde_json::from_str::<LetterScale>(r#"[{"letter": "A", "min_percent": 200}]"#)
                .is_err()
        );
    }
}
