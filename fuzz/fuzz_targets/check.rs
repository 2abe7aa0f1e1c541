//! Arbitrary bytes through reading, checking and every renderer.
#![no_main]

use std::sync::OnceLock;

use jobcheck::limits::file::FileSource;
use jobcheck::pipeline::{self, Input, Options, Source};
use jobcheck::report::{self, Extras, Format, Style};
use libfuzzer_sys::fuzz_target;

const LIMITS: &str = include_str!("../../examples/limits.yaml");

fn limits() -> &'static FileSource {
    static LIMITS_SOURCE: OnceLock<FileSource> = OnceLock::new();
    LIMITS_SOURCE.get_or_init(|| match FileSource::parse("limits.yaml", LIMITS) {
        Ok(source) => source,
        Err(bad) => panic!("the example limits do not parse: {:?}", bad.diagnostics),
    })
}

fuzz_target!(|data: &[u8]| {
    let inputs = vec![Input {
        display: "fuzz.yaml".to_string(),
        source: Source::Bytes(data.to_vec()),
        walked: false,
    }];
    let report = pipeline::check_inputs(inputs, limits(), &Options::default());
    let style = Style {
        color: false,
        unicode: true,
        width: 80,
    };
    for format in [
        Format::Human,
        Format::Concise,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::Junit,
    ] {
        let mut sink = Vec::new();
        let extras = Extras {
            quiet: false,
            statistics: true,
            table: true,
        };
        let _ = report::render_with(format, style, extras, &report, &mut sink);
    }
    // Every fix replaces whole characters of the text it was made for.
    if let Ok(text) = std::str::from_utf8(data) {
        for d in report.files.iter().flat_map(|f| &f.diagnostics) {
            if let Some(fix) = &d.fix {
                assert!(fix.span.end <= text.len(), "{d:?}");
                assert!(text.is_char_boundary(fix.span.start), "{d:?}");
                assert!(text.is_char_boundary(fix.span.end), "{d:?}");
            }
        }
    }
    // The limits file reader gets the same bytes.
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = FileSource::parse("limits.yaml", text);
    }
});
