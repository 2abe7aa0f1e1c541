//! Differential proof that the two YAML readers agree: generated flat job
//! files, then mutated with control characters, Unicode line breaks, CR,
//! byte-order marks, quotes and comments. Whenever the fast reader answers,
//! its tree and spans are exactly the library's; a character YAML forbids
//! is a syntax error at its own position, whichever reader would have run.

use jobcheck::syntax::{self as yaml, differential};
use proptest::prelude::*;

const KEYS: &[&str] = &[
    "cpus",
    "memory",
    "walltime",
    "resourceGroup",
    "x-owner",
    "name",
    "gpus",
    "true",
    "Null",
    "a_b",
    "k9",
];

const VALUES: &[&str] = &[
    "8",
    "0",
    "08",
    "1_000",
    "0x10",
    "1.5",
    "1e3",
    "16G",
    "16e",
    "2-00:00:00",
    "12:00:00",
    "30:00",
    "\"2-00:00:00\"",
    "'x'",
    "'it''s'",
    "\"a\\nb\"",
    "a b",
    "unlimited",
    "true",
    "null",
    "~",
    ".inf",
    "-",
    "a:b",
    "1-2",
    "a #c",
    "a#c",
    "\"q\" #c",
    "\"q\"x",
    "",
    "[1, 2]",
    "{a: 1}",
    "&a x",
    "*a",
    "!t x",
    "|",
    ">",
    "\"\"",
    "''",
    "\"é\u{85}\u{2028}\"",
    "'\u{2029}'",
];

/// Characters where the readers could part ways.
const SPECIAL: &[char] = &[
    '\u{0}', '\u{1b}', '\u{7f}', '\u{9f}', '\u{fffe}', '\u{85}', '\u{2028}', '\u{2029}', '\r',
    '\n', '\t', '\u{feff}', '"', '\'', '#', ' ', ':', '-', '\\', 'é', '%', '&', '*', '[', '{',
];

fn forbidden(c: char) -> bool {
    matches!(c, '\0'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}')
        || (('\u{80}'..='\u{9f}').contains(&c) && c != '\u{85}')
        || matches!(c, '\u{fffe}' | '\u{ffff}')
}

fn line() -> impl Strategy<Value = String> {
    let pair = (
        prop::sample::select(KEYS),
        prop::sample::select(&[" ", "  ", ""][..]),
        prop_oneof![
            3 => prop::sample::select(VALUES).prop_map(str::to_string),
            1 => "[0-9a-zA-Z._:/+ #\"'-]{0,10}",
            1 => "\"[^\"\\\\]{0,6}\"",
        ],
        prop::sample::select(&["", "   ", " # c", "#c", " # \u{85}x: 1"][..]),
    )
        .prop_map(|(k, gap, v, tail)| format!("{k}:{gap}{v}{tail}"));
    prop_oneof![
        6 => pair,
        1 => Just("# a comment".to_string()),
        1 => Just(String::new()),
        1 => Just("---".to_string()),
        1 => Just("  indented: 1".to_string()),
        1 => Just("%YAML 1.2".to_string()),
    ]
}

fn document() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        prop::collection::vec(
            (
                line(),
                prop::sample::select(&["\n", "\n", "\r\n", "\r"][..]),
            ),
            0..8,
        ),
        prop::collection::vec(
            (any::<prop::sample::Index>(), prop::sample::select(SPECIAL)),
            0..3,
        ),
    )
        .prop_map(|(bom, lines, mutations)| {
            let mut text: String = if bom {
                "\u{feff}".into()
            } else {
                String::new()
            };
            for (line, nl) in lines {
                text.push_str(&line);
                text.push_str(nl);
            }
            for (at, c) in mutations {
                let mut at = at.index(text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                text.insert(at, c);
            }
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn the_fast_reader_declines_or_agrees_with_the_library(text in document()) {
        if let Some((fast, library)) = differential(&text) {
            prop_assert_eq!(fast, library, "on {:?}", text);
        }
    }

    #[test]
    fn a_forbidden_character_is_an_error_at_its_position(text in document()) {
        let documents = yaml::parse_documents(&text);
        if let Some((at, _)) = text.char_indices().find(|&(_, c)| forbidden(c)) {
            prop_assert!(
                documents.iter().any(|d| d.root.as_ref().is_err_and(|e| e.span.start == at)),
                "no error at {} in {:?}: {:?}", at, text, documents
            );
        }
    }
}

/// The property above is not vacuous: unmutated flat files take the fast
/// path most of the time.
#[test]
fn most_generated_flat_files_take_the_fast_path() {
    let mut taken = 0;
    for i in 0..400 {
        let key = KEYS[i % 7];
        let value = ["8", "16G", "\"2-00:00:00\"", "bench-1", "'x'"][i % 5];
        let nl = ["\n", "\r\n", "\r"][i % 3];
        let text = format!("# job {i}{nl}---{nl}{key}: {value}{nl}cpus: {i}   # c{nl}");
        if let Some((fast, library)) = differential(&text) {
            assert_eq!(fast, library, "on {text:?}");
            taken += 1;
        }
    }
    assert!(taken > 300, "only {taken} of 400 took the fast path");
}
