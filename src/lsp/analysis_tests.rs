//! Tests of the library adapter: checks, hover and completion.

use super::*;
use crate::config::Config;
use crate::limits::api::ApiOptions;
use crate::limits::file::FileSource;
use crate::lsp::completion::{Item, complete};
use std::time::Duration;

const LIMITS: &str = "- resourceGroup: TeslaM40\n  cpuNumber: 16\n  gpuNumber: 2\n  \
                          nvLimits: 0\n  memorySize: 31888\n  nodeNumber: 1\n  maxTime: \"08:00:00\"\n";

const BODY: &str = r#"{
  "instanceServiceName": "notebook",
  "acceleratorType": "gpu",
  "taskType": "jupyter",
  "version": "pytorch-2.1",
  "imagePath": "registry.example/ai/pytorch:2.1-cuda12",
  "timeoutLimit": "04:00:00",
  "taskNumber": 1,
  "resourceGroup": "TeslaM40",
  "useStartScript": false,
  "startScriptActionScope": "all",
  "cpuNumber": 8,
  "ramSize": 16384,
  "gpuNumber": 1,
  "mountInfoList": [],
  "containerPortInfoList": []
}
"#;

fn workspace() -> Workspace {
    Workspace {
        config: Config::default(),
        limits: LimitsFrom::File(FileSource::parse("limits.yaml", LIMITS).unwrap()),
        settings: None,
        root: PathBuf::from("."),
        problems: Vec::new(),
        limits_file: None,
        broken: None,
    }
}

fn hover_at(text: &str, path: &str, needle: &str) -> String {
    let offset = text.find(needle).unwrap() + 1;
    let facts = hover(
        &workspace(),
        &Answers::default(),
        Path::new(path),
        text,
        offset,
    );
    crate::lsp::hover::markdown(&facts.unwrap())
}

#[test]
fn a_platform_body_is_checked_and_its_fields_hovered() {
    let a = analyse(&workspace(), &Answers::default(), Path::new("b.json"), BODY);
    assert!(a.findings.is_empty(), "{:?}", a.findings);
    assert_eq!(a.groups, ["TeslaM40"]);
    let cpus = hover_at(BODY, "b.json", "\"cpuNumber\"");
    assert!(cpus.starts_with("**cpuNumber**"), "{cpus}");
    assert!(cpus.contains("limit 16 · headroom **8**"), "{cpus}");
    let ram = hover_at(BODY, "b.json", "\"ramSize\"");
    assert!(
        ram.contains("limit 31888 MiB · headroom **15504 MiB**"),
        "{ram}"
    );
    let time = hover_at(BODY, "b.json", "\"timeoutLimit\"");
    assert!(time.contains("headroom **4:00:00**"), "{time}");
    let group = hover_at(BODY, "b.json", "\"resourceGroup\"");
    assert!(group.contains("- cpus per node: 16"), "{group}");
}

#[test]
fn findings_carry_help_fixes_and_codes() {
    let text = "resourceGroup: TeslaM40\ncpus: 20\nmemory: 8G\nwalltime: 1:00:00\n";
    let a = analyse(&workspace(), &Answers::default(), Path::new("j.yaml"), text);
    let cpus = a
        .findings
        .iter()
        .find(|f| f.code == Some("cpus-over-limit"))
        .unwrap();
    assert_eq!(&text[cpus.span.0..cpus.span.1], "20");
    assert_eq!(cpus.fix, Some((cpus.span, "16".to_string())));
    assert!(cpus.message.contains("\nhelp: "), "{}", cpus.message);
    assert_eq!(cpus.level, Level::Error);
}

#[test]
fn an_unknown_group_and_no_limits_are_said_where_the_group_is() {
    let text = "resourceGroup: Nope\ncpus: 2\nmemory: 8G\n";
    let a = analyse(&workspace(), &Answers::default(), Path::new("j.yaml"), text);
    assert!(
        a.findings
            .iter()
            .any(|f| f.code == Some("unknown-resource-group"))
    );
    let none = Workspace {
        limits: LimitsFrom::None("no limits configured".into()),
        ..workspace()
    };
    let a = analyse(&none, &Answers::default(), Path::new("j.yaml"), text);
    let info = a.findings.iter().find(|f| f.code.is_none()).unwrap();
    assert_eq!(info.level, Level::Information);
    assert_eq!(&text[info.span.0..info.span.1], "Nope");
    assert!(
        info.message.contains("no limits configured"),
        "{}",
        info.message
    );
}

fn labels(items: Vec<Item>) -> Vec<String> {
    items.into_iter().map(|i| i.label).collect()
}

#[test]
fn json_completion_quotes_keys_and_values() {
    let w = workspace();
    let text = "{\"acceleratorType\": , \"resourceGroup\": \"\"}";
    let at = text.find(": ,").unwrap() + 2;
    let items = complete(&w, &Answers::default(), Path::new("b.json"), text, at);
    assert_eq!(items[0].insert, "\"gpu\"");
    let at = text.rfind('"').unwrap();
    // Only groups known to exist: none taken from the open documents.
    let groups = complete(&w, &Answers::default(), Path::new("b.json"), text, at);
    assert_eq!(labels(groups), ["TeslaM40"]);
    let keys = complete(&w, &Answers::default(), Path::new("b.json"), "{\n  \n}", 4);
    let cpu = keys.iter().find(|i| i.label == "cpuNumber");
    let cpu = cpu.unwrap_or_else(|| panic!("{keys:?}"));
    assert_eq!(cpu.insert, "\"cpuNumber\": ");
    assert!(cpu.detail.as_deref().unwrap().contains("(required)"));
}

#[test]
fn a_pair_is_asked_for_at_most_once_a_minute_and_failures_back_off() {
    let ttl0 = Duration::ZERO;
    assert_eq!(refresh_after(ttl0, 0), MIN_REFETCH);
    assert_eq!(
        refresh_after(Duration::from_secs(900), 0),
        Duration::from_secs(900)
    );
    // A failure is asked again after a short backoff, not after the TTL.
    assert_eq!(refresh_after(Duration::from_secs(900), 1), MIN_REFETCH);
    assert_eq!(
        refresh_after(Duration::from_secs(900), 2),
        Duration::from_secs(120)
    );
    assert_eq!(refresh_after(ttl0, 40), MAX_BACKOFF);
    let mut answers = Answers::default();
    let pair = Pair {
        group: "G".into(),
        accelerator: crate::request::AccelType::Gpu,
    };
    let t0 = Instant::now();
    assert_eq!(
        answers.due_at(vec![pair.clone(), pair.clone()], t0).len(),
        1
    );
    assert!(
        answers
            .due_at(vec![pair.clone()], t0 + Duration::from_secs(59))
            .is_empty()
    );
    assert_eq!(
        answers.due_at(vec![pair.clone()], t0 + MIN_REFETCH).len(),
        1
    );
    let failed = |n| {
        Fetched(vec![(
            pair.clone(),
            Lookup::Unavailable {
                reason: format!("down {n}"),
            },
        )])
    };
    answers.absorb_at(failed(1), ttl0, t0);
    answers.absorb_at(failed(2), ttl0, t0);
    let entry = &answers.known[&pair];
    assert_eq!(
        (entry.failures, entry.keep_for),
        (2, Duration::from_secs(120))
    );
}

#[test]
fn a_session_asks_for_at_most_max_pairs_distinct_pairs() {
    let mut answers = Answers::default();
    let pair = |i: usize| Pair {
        group: format!("G{i}"),
        accelerator: crate::request::AccelType::Gpu,
    };
    let t0 = Instant::now();
    let asked = answers.due_at((0..run::MAX_PAIRS + 50).map(pair).collect(), t0);
    assert_eq!(asked.len(), run::MAX_PAIRS);
    assert!(!answers.may_ask(&pair(run::MAX_PAIRS)));
    // A pair asked before is asked again when it is due; a new one never.
    let again = answers.due_at(vec![pair(0), pair(run::MAX_PAIRS + 1)], t0 + MIN_REFETCH);
    assert_eq!(again, [pair(0)]);
}

#[test]
fn a_key_whose_value_cannot_be_read_is_still_described() {
    let text = "{\n  \"resourceGroup\": \"TeslaM40\",\n  \"ramSize\": \"32G\"\n}\n";
    let facts = hover(
        &workspace(),
        &Answers::default(),
        Path::new("b.json"),
        text,
        text.find("32G").unwrap(),
    );
    let facts = facts.expect("a hover");
    assert_eq!(facts.key, "ramSize");
    assert!(facts.status.is_some_and(|s| s.contains("not judged")));
}

#[test]
fn a_pending_pair_is_told_only_as_pending_and_a_failure_where_the_group_is() {
    let api = Workspace {
        limits: LimitsFrom::Api(ApiOptions::new("https://ai.example")),
        ..workspace()
    };
    let text = "resourceGroup: G\ncpus: 2\nmemory: 8G\n";
    let mut answers = Answers::default();
    let a = analyse(&api, &answers, Path::new("j.yaml"), text);
    assert_eq!(a.missing.len(), 1, "{:?}", a.missing);
    assert!(
        a.findings.iter().all(|f| f.level != Level::Information),
        "{:?}",
        a.findings
    );
    let hover = |answers: &Answers| {
        let offset = text.find("cpus").unwrap() + 1;
        crate::lsp::hover::markdown(
            &hover(&api, answers, Path::new("j.yaml"), text, offset).unwrap(),
        )
    };
    assert!(
        hover(&answers).contains("being fetched"),
        "{}",
        hover(&answers)
    );
    answers.absorb(
        Fetched(vec![(
            a.missing[0].clone(),
            Lookup::Unavailable {
                reason: "the platform is down".into(),
            },
        )]),
        Duration::from_secs(900),
    );
    let a = analyse(&api, &answers, Path::new("j.yaml"), text);
    assert!(a.missing.is_empty(), "{:?}", a.missing);
    let info = a
        .findings
        .iter()
        .find(|f| f.level == Level::Information)
        .unwrap();
    assert_eq!(&text[info.span.0..info.span.1], "G");
    assert!(
        info.message.contains("the platform is down"),
        "{}",
        info.message
    );
    let shown = hover(&answers);
    assert!(
        shown.contains("limits unavailable: the platform is down"),
        "{shown}"
    );
}
