//! The two YAML readers on arbitrary text: whenever the fast reader for
//! flat files answers, its tree and spans must be exactly the library's.
//! Arbitrary text rarely stays flat, so each of its lines is also tried as
//! the value of a flat `key: value` file, where the fast reader's value
//! rules are put to the test. The whole-stream reader must not panic either.
#![no_main]

use jobcheck::syntax as yaml;
use libfuzzer_sys::fuzz_target;

fn agree(text: &str) {
    if let Some((fast, library)) = yaml::differential(text) {
        assert_eq!(fast, library, "the readers disagree on {text:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    agree(text);
    for line in text.split('\n').take(16) {
        agree(&format!("name: {line}\ncpus: 8\n"));
        agree(&format!("---\r\nmemory: {line}   # c\r\n"));
    }
    let _ = yaml::parse_documents(text);
});
