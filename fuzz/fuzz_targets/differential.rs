//! The two YAML readers on arbitrary text: whenever the fast reader for
//! flat files answers, its tree and spans must be exactly the library's.
//! The whole-stream reader must not panic either.
#![no_main]

use jobcheck::spec::yaml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some((fast, library)) = yaml::differential(text) {
        assert_eq!(fast, library, "the readers disagree on {text:?}");
    }
    let _ = yaml::parse_documents(text);
});
