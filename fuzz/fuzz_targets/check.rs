//! Arbitrary bytes through reading, checking and every renderer.
#![no_main]

use std::sync::OnceLock;

use jobcheck::limits::file::FileSource;
use jobcheck::report::{self, Format, Style};
use jobcheck::run::{self, Input, Options, Source};
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
    }];
    let report = run::check_inputs(inputs, limits(), &Options::default());
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
        let _ = report::render(format, style, &report, &mut sink);
    }
    // The limits file reader gets the same bytes.
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = FileSource::parse("limits.yaml", text);
    }
});
