//! The shape of the code, checked from its text: every file under `src/` is
//! read, its `crate::` and `super::` paths (outside test code) become edges
//! between files and between top-level modules, and the graph must have no
//! cycle. Only the front, the renderers and the language server may print,
//! and no file holds more than 700 lines of non-test code.
//!
//! A module's own children, named by a relative path (`errors::x` in
//! `syntax/mod.rs`), are its parts rather than edges; a child reaching back
//! with `super::` is an edge.
//!
//! The test reads whatever is under `src/`: new modules are checked as they
//! come, without a list to keep up to date here.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 700;

/// Where printing to the terminal is allowed: the front, the renderers and
/// the language server.
const MAY_PRINT: &[&str] = &["main", "cli", "report", "lsp"];

/// One file of the library: its module path (`["limits", "api"]`; empty for
/// `lib.rs`) and its non-test text.
struct File {
    path: PathBuf,
    module: Vec<String>,
    /// Whether it is a `mod.rs` (or `lib.rs`): its `super` is one step higher.
    is_dir_module: bool,
    code: String,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text before the file's test module (by convention at the end), with
/// line comments blanked so that a path or a macro named in prose is not
/// taken for code.
fn non_test_code(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut code = String::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim_start().starts_with("#[cfg(test)]") && !is_mod_decl(lines.get(i + 1)) {
            break;
        }
        let kept = match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        };
        code.push_str(kept);
        code.push('\n');
    }
    code
}

/// `mod name;`: after `#[cfg(test)]`, a test file rather than the file's own
/// test code; the lines after it are still code.
fn is_mod_decl(line: Option<&&str>) -> bool {
    let next = line.map(|l| l.trim()).unwrap_or("");
    next.starts_with("mod ") && next.ends_with(';')
}

/// Files that exist only for tests (`#[cfg(test)] mod name;`).
fn test_only_files(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut names = Vec::new();
    for pair in lines.windows(2) {
        let next = pair[1].trim();
        if pair[0].trim() == "#[cfg(test)]" && next.starts_with("mod ") && next.ends_with(';') {
            names.push(next["mod ".len()..next.len() - 1].trim().to_string());
        }
    }
    names
}

fn module_of(path: &Path) -> (Vec<String>, bool) {
    let rel = path.strip_prefix(src()).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    match stem {
        "lib" | "main" if parts.is_empty() => {
            if stem == "main" {
                parts.push("main".into());
            }
            (parts, stem == "lib")
        }
        "mod" => (parts, true),
        _ => {
            parts.push(stem.into());
            (parts, false)
        }
    }
}

fn library() -> Vec<File> {
    let mut paths = Vec::new();
    rust_files(&src(), &mut paths);
    paths.sort();
    let mut test_only = BTreeSet::new();
    let mut files = Vec::new();
    for path in paths {
        let text = fs::read_to_string(&path).unwrap();
        let (module, is_dir_module) = module_of(&path);
        for name in test_only_files(&text) {
            let mut m = module.clone();
            m.push(name);
            test_only.insert(m);
        }
        files.push(File {
            code: non_test_code(&text),
            path,
            module,
            is_dir_module,
        });
    }
    files.retain(|f| !test_only.contains(&f.module));
    files
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The paths named by a use tree starting at `text` (just after `crate::`
/// or `super::`): `a::b::{c, d::e}` gives `a::b::c` and `a::b::d::e`.
fn use_tree(text: &str, prefix: Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
    let mut path = prefix;
    let mut i = 0;
    let bytes = text.as_bytes();
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b'{' {
            i += 1;
            loop {
                while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b',') {
                    i += 1;
                }
                if i >= bytes.len() || bytes[i] == b'}' {
                    return i + 1;
                }
                i += use_tree(&text[i..], path.clone(), out);
            }
        }
        let start = i;
        while i < bytes.len() && is_ident(bytes[i] as char) {
            i += 1;
        }
        if start == i {
            out.push(path);
            return i;
        }
        path.push(text[start..i].to_string());
        if text[i..].starts_with("::") {
            i += 2;
        } else {
            out.push(path);
            return i;
        }
    }
}

/// Every path of ours a file names, made absolute (from the crate root).
fn named_paths(file: &File) -> Vec<Vec<String>> {
    let code = &file.code;
    let mut out = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        if at > 0 && is_ident(code[..at].chars().last().unwrap()) {
            continue;
        }
        use_tree(&code[at + "crate::".len()..], Vec::new(), &mut out);
    }
    for (at, _) in code.match_indices("super::") {
        let before = code[..at].chars().last().unwrap_or(' ');
        if is_ident(before) || before == ':' {
            continue;
        }
        let mut base = file.module.clone();
        if !file.is_dir_module {
            base.pop();
        }
        let mut rest = &code[at..];
        while let Some(r) = rest.strip_prefix("super::") {
            base.pop();
            rest = r;
        }
        use_tree(rest, base, &mut out);
    }
    out
}

/// The file a path lands in: its longest prefix that is a file's module.
fn owner<'f>(path: &[String], files: &'f [File]) -> Option<&'f File> {
    (1..=path.len())
        .rev()
        .find_map(|n| files.iter().find(|f| f.module == path[..n]))
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_string(), 1);
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|n| n == next).unwrap();
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(next, graph, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if state.get(node.as_str()).copied().unwrap_or(0) == 0 {
            let mut stack = Vec::new();
            if let Some(c) = visit(node, graph, &mut state, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

fn name(file: &File) -> String {
    file.path
        .strip_prefix(src())
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// Edges between files (`file_level`) or top-level modules.
fn graph(files: &[File], file_level: bool) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let from = if file_level {
            name(file)
        } else {
            file.module.first().cloned().unwrap_or_default()
        };
        graph.entry(from.clone()).or_default();
        for path in named_paths(file) {
            let Some(to) = owner(&path, files) else {
                continue;
            };
            let to = if file_level {
                name(to)
            } else {
                to.module.first().cloned().unwrap_or_default()
            };
            // The crate root only declares modules; a file's path through
            // its own module is not a dependency.
            if to.is_empty() || to == "lib.rs" || to == from {
                continue;
            }
            graph.entry(from.clone()).or_default().insert(to);
        }
    }
    graph
}

#[test]
fn the_reader_sees_the_modules_and_their_imports() {
    // The checks below are only as good as the parsing: it must find the
    // files, the modules and some edges known to exist.
    let files = library();
    assert!(files.iter().any(|f| f.module == ["vocab"]));
    let modules = graph(&files, false);
    assert!(modules["check"].contains("vocab"), "{modules:?}");
    assert!(modules["request"].contains("syntax"), "{modules:?}");
    let mut out = Vec::new();
    use_tree("a::{b, c::{d, e}}, f", Vec::new(), &mut out);
    assert_eq!(
        out,
        [vec!["a", "b"], vec!["a", "c", "d"], vec!["a", "c", "e"]]
    );
}

#[test]
fn no_cycle_between_top_level_modules() {
    let files = library();
    let modules = graph(&files, false);
    assert_eq!(
        find_cycle(&modules),
        None,
        "top-level modules: {modules:#?}"
    );
}

#[test]
fn no_cycle_between_files() {
    let files = library();
    let graph = graph(&files, true);
    assert_eq!(find_cycle(&graph), None);
}

#[test]
fn vocabulary_uses_only_the_primitives() {
    let files = library();
    let modules = graph(&files, false);
    let used: Vec<&String> = modules["vocab"].iter().collect();
    assert!(
        used.iter()
            .all(|m| ["units", "diag", "escape", "limit_table"].contains(&m.as_str())),
        "vocab uses {used:?}"
    );
}

#[test]
fn only_the_front_the_renderers_and_the_language_server_print() {
    let files = library();
    let mut printing = Vec::new();
    for file in &files {
        let top = file.module.first().map(String::as_str).unwrap_or("");
        if MAY_PRINT.contains(&top) {
            continue;
        }
        for mac in ["print!", "println!", "eprint!", "eprintln!"] {
            for (at, _) in file.code.match_indices(mac) {
                let before = file.code[..at].chars().last().unwrap_or(' ');
                if !is_ident(before) {
                    printing.push(format!("{} ({mac})", name(file)));
                }
            }
        }
    }
    printing.sort();
    printing.dedup();
    assert!(printing.is_empty(), "library code prints: {printing:?}");
}

#[test]
fn no_file_holds_more_than_700_lines_of_non_test_code() {
    let files = library();
    let long: Vec<String> = files
        .iter()
        .filter(|f| f.code.lines().count() > MAX_LINES)
        .map(|f| format!("{}: {} lines", name(f), f.code.lines().count()))
        .collect();
    assert!(long.is_empty(), "{long:?}");
}
