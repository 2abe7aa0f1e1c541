//! One reading of YAML whichever reader runs: each rule of "Reading YAML"
//! in the README, checked on both readers where both can answer.

use super::*;
use crate::diag::{Code, LineIndex};

fn docs(file: &str) -> Vec<RawDocument> {
    parse_documents(file)
}

fn error(doc: &RawDocument) -> &SyntaxError {
    doc.root
        .as_ref()
        .expect_err("the document should not be read")
}

fn map(doc: &RawDocument) -> &[(Node, Node)] {
    match &doc.root {
        Ok(Node {
            kind: Kind::Map(pairs),
            ..
        }) => pairs,
        other => panic!("not a mapping: {other:?}"),
    }
}

/// Both readers on a chunk, through the same front door.
fn both(text: &str) -> (String, String) {
    let all = Span::new(0, text.len());
    (
        format!("{:?}", parse_one(text, all, true)),
        format!("{:?}", parse_one(text, all, false)),
    )
}

const FORBIDDEN: &[char] = &[
    '\u{0}', '\u{1}', '\u{8}', '\u{b}', '\u{c}', '\u{e}', '\u{1b}', '\u{1f}', '\u{7f}', '\u{80}',
    '\u{84}', '\u{86}', '\u{9f}', '\u{fffe}', '\u{ffff}',
];

#[test]
fn a_forbidden_character_is_a_syntax_error_at_its_position_in_either_reader() {
    for &c in FORBIDDEN {
        for file in [
            format!("# a comment {c}\ncpus: 8\nmemory: 16G\n"),
            format!("cpus: 8 # {c}\nmemory: 16G\n"),
            format!("cpus: 8\nname: \"a{c}b\"\n"),
            format!("cpus: 8\nname: 'a{c}b'\n"),
            format!("cpus: 8\nx-a:\n  b: [1, \"{c}\"]\n"),
        ] {
            let at = file.find(c).unwrap();
            let found = docs(&file);
            assert_eq!(found.len(), 1, "{file:?}");
            let err = error(&found[0]);
            assert_eq!(err.span, Span::new(at, at + c.len_utf8()), "{file:?}");
            assert!(
                err.message.contains(&format!("U+{:04X}", c as u32)),
                "{err:?}"
            );
            let (fast, library) = both(&file);
            assert_eq!(fast, library, "{file:?}");
        }
    }
    // Allowed: tab, NEL, LS, PS, BOM, and other non-ASCII text.
    for ok in ['\u{85}', '\u{a0}', '\u{2028}', '\u{2029}', '\u{feff}', 'é'] {
        let file = format!("# {ok}\ncpus: 8\nname: \"a{ok}b\"\n");
        assert!(docs(&file)[0].root.is_ok(), "{ok:?}");
    }
}

#[test]
fn directives_go_to_the_parser_with_their_document() {
    let found = docs("%YAML 2.0\n---\ncpus: 8\n");
    assert_eq!(found.len(), 1);
    assert!(error(&found[0]).message.contains("%YAML 1.2"), "{found:?}");
    // Even with nothing after it.
    let found = docs("cpus: 8\n...\n%YAML 2.0\n---\n");
    assert_eq!((found.len(), found[1].index), (2, 2));
    assert!(found[1].root.is_err());
    // A directive without a `---` after it.
    assert!(docs("cpus: 8\n...\n%YAML 1.2\n")[1].root.is_err());
    // `%TAG` stays with its document, which uses the handle.
    let found = docs("cpus: 8\n...\n%TAG !e! tag:example.com,2000:\n---\nmemory: !e!m 16G\n");
    assert_eq!(found.len(), 2);
    assert!(found[1].root.is_ok(), "{:?}", found[1].root);
    // A directive inside a document (no `...` before it) is an error.
    assert!(
        docs("cpus: 8\n%YAML 1.2\n---\nmemory: 1G\n")[0]
            .root
            .is_err()
    );
    // A comment-only chunk goes to the parser too: nothing forbidden hides.
    let found = docs("cpus: 8\n---\n# \u{1b}\n---\ncpus: 9\n");
    assert_eq!(found.iter().map(|d| d.index).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(found[1].root.is_err());
}

#[test]
fn document_numbers_count_every_document_of_the_stream() {
    let indices = |file: &str| docs(file).iter().map(|d| d.index).collect::<Vec<_>>();
    // Empty documents (a lone `---`) count; a prefix of comments does not.
    assert_eq!(indices("---\n---\ncpus: 8\n"), [2]);
    assert_eq!(indices("# head\n---\ncpus: 8\n"), [1]);
    assert_eq!(indices("cpus: 1\n---\n# nothing\n---\ncpus: 3\n"), [1, 3]);
    assert_eq!(indices("cpus: 1\n...\n# tail\n"), [1]);
    assert_eq!(indices("cpus: 1\n...\n---\ncpus: 2\n"), [1, 2]);
    assert_eq!(indices("cpus: 1\n...\ncpus: 2\n...\n"), [1, 2]);
    assert_eq!(indices("--- ~\n"), [1]);
    assert!(indices("").is_empty());
    assert!(indices("# nothing\n---\n---\n").is_empty());
}

#[test]
fn lf_crlf_and_cr_all_end_lines() {
    for nl in ["\n", "\r\n", "\r"] {
        let file = format!("cpus: 1{nl}memory: 2G{nl}---{nl}cpus: 3{nl}x-a:{nl}  b: 1{nl}");
        let found = docs(&file);
        assert_eq!(found.len(), 2, "{file:?}");
        let second = map(&found[1]);
        assert_eq!(second[0].1.raw(&file), "3");
        let lines = LineIndex::new(&file);
        assert_eq!(lines.line_col(second[0].1.span.start), (4, 7), "{nl:?}");
        assert_eq!(lines.line_col(map(&found[0])[1].1.span.start), (2, 9));
        // The fast reader takes a flat file with any line break, and agrees.
        let flat = format!("cpus: 1{nl}# c{nl}memory: \"2G\"{nl}");
        assert!(parse_flat(&flat, 0).is_some(), "{nl:?}");
        let (fast, library) = both(&flat);
        assert_eq!(fast, library);
    }
}

#[test]
fn duplicate_keys_are_compared_by_value() {
    let codes = |file: &str| {
        crate::request::read_documents(file)
            .into_iter()
            .flat_map(|d| d.diagnostics)
            .filter(|d| d.code == Code::DuplicateKey)
            .count()
    };
    assert_eq!(codes("1: a\n\"1\": b\n"), 0);
    assert_eq!(codes("1: a\n0x1: b\n"), 1);
    assert_eq!(codes("x-a: {1: a, \"1\": b}\n"), 0);
    assert_eq!(codes("x-a: {1: a, 0x1: b}\n"), 1);
    assert_eq!(codes("x-a: {1: a, 0o1: b, +1: c}\n"), 2);
    assert_eq!(codes("x-a: {true: a, \"true\": b, 1.0: c, 1: d}\n"), 0);
    assert_eq!(codes("x-a: {1.0: a, 1.00: b, 1e0: c}\n"), 2);
    assert_eq!(codes("cpus: 8\n'cpus': 9\n"), 1);
}

#[test]
fn merged_and_aliased_values_are_placed_where_they_were_written() {
    let file = "x-d: &d {memory: 8G, cpus: 3}\n<<: *d\nx-e: &e 2d\nwalltime: *e\n";
    let found = docs(file);
    let pairs = map(&found[0]);
    let value = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k.scalar_text(file).as_deref() == Some(key))
            .map(|(_, v)| v.span)
            .unwrap()
    };
    let anchored = file.find("8G").unwrap();
    assert_eq!(value("memory"), Span::new(anchored, anchored + 2));
    let anchored = file.find("3}").unwrap();
    assert_eq!(value("cpus"), Span::new(anchored, anchored + 1));
    let anchored = file.find("2d").unwrap();
    assert_eq!(value("walltime"), Span::new(anchored, anchored + 2));
}

#[test]
fn a_tab_error_points_at_the_tab_the_parser_rejects() {
    for (file, line) in [
        // A tab inside a flow collection is allowed; the block one is not.
        ("a: 1\nb:\t[1,\n\t2]\nc:\n\t- 1\n", 5),
        ("a: 1\nb:\n\t- 1\n", 3),
        ("a:\n  b: [1,\n   \t2]\n  c: 1\n\td: 2\n", 5),
        ("a: 1\n\tb: 2\n", 2),
    ] {
        let found = docs(file);
        let err = error(&found[0]);
        assert_eq!(
            &file[err.span.start..err.span.end],
            "\t",
            "{file:?}: {err:?}"
        );
        assert_eq!(
            LineIndex::new(file).line_col(err.span.start).0,
            line,
            "{file:?}"
        );
    }
}

#[test]
fn an_unclosed_bracket_is_reported_where_it_opens() {
    for (file, opened) in [
        ("cpus: [1, 2\nmemory: 3\n", "[1"),
        ("x-a: {b: 1\nmemory: 3\n", "{b"),
        ("x-a: \"[\"\nx-b: [\"]\", 'it''s'\nmemory: 3\n", "[\"]"),
    ] {
        let found = docs(file);
        let err = error(&found[0]);
        assert_eq!(
            err.span.start,
            file.find(opened).unwrap(),
            "{file:?}: {err:?}"
        );
        assert!(err.message.contains("never closed"), "{err:?}");
    }
    // A bracket inside a plain scalar is text.
    let found = docs("name: a[1\ncpus: [1,\nmemory: 3\n");
    assert_eq!(error(&found[0]).span.start, 16);
}

#[test]
fn messages_never_show_the_library_s_wording() {
    let library = [
        "from_str",
        "Option",
        "Policy",
        "serde",
        "u64",
        "i64",
        "String",
        "Deserialize",
        "budget",
        "at line",
    ];
    for file in [
        "a: [1, 2\n",
        "a: {b\n",
        "a: \"x\n",
        "a: *nope\n",
        "a: !!int x\n",
        "a: !e!x 1\n",
        "%YAML 2.0\n---\na: 1\n",
        "%YAML 1.2\n",
        "a: 1\n a: 2\n",
        "a: |\n b\nc\n",
        "<<: 1\n",
        "a: &x [*x]\n",
        "? [a\n",
        "a: 1\n- b\n",
        "- a\nb: 1\n",
        "!!binary x\n",
        "a: !!binary \"@@\"\n",
        "\"a\": 1\n\"a\" : [\n",
    ] {
        for doc in docs(file) {
            if let Err(err) = &doc.root {
                for word in library {
                    assert!(!err.message.contains(word), "{file:?}: {}", err.message);
                }
            }
        }
    }
    assert_eq!(
        plain_words("multiple YAML documents detected; use from_str_multiple"),
        "a second document starts here; put a `---` line before it"
    );
    assert!(!plain_words("invalid type: u64, expected Option<String>").contains("u64"));
}
