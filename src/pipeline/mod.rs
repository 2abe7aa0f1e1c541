//! The pipeline of a check run: inputs in, a `Report` out. Files are
//! selected (`select`), read and parsed (`input`, `reading`), their
//! (group, type) pairs looked up, the jobs judged (`check`), and the
//! run-wide rules applied (`runwide`). Printing does not happen here.

pub mod baseline;
pub mod input;
pub mod notajob;
pub mod reading;
pub mod runwide;
pub mod select;
pub mod suppress;
pub mod verdict;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock, mpsc};

use crate::check::check;
use crate::diag::{Code, Diagnostic, LineIndex};
use crate::fsread::Dirs;
use crate::limits::{LimitSource, Lookup, Pair};
use crate::report::{self, FileReport, JobEntry, PassedOver, Report};
use crate::request::{self, Document};
use crate::vocab::Notice;
pub use input::{Input, MAX_FILE_BYTES, Source, load};
pub use select::{
    Inputs, Selection, UsageError, collect_inputs, display_path, is_job_file, stream_inputs,
};
pub use verdict::exit_code;

/// The stack of each reader thread: deeply nested documents are refused by
/// the parser's budget, but reaching it takes stack, as on the main thread.
const READER_STACK: usize = 16 * 1024 * 1024;

#[derive(Default)]
pub struct Options {
    pub deny_warnings: bool,
    /// `jobcheck.toml`: policy caps and rule levels.
    pub config: crate::config::Config,
    /// `--baseline FILE`: findings accepted for now, hidden.
    pub baseline: Option<Arc<baseline::Baseline>>,
}

/// At most this many diagnostics of a document are kept and shown; the
/// report says how many more there were.
pub const SHOWN_PER_DOCUMENT: usize = 100;

/// A file read into documents, before judging.
struct ReadFile {
    input: Input,
    text: String,
    problem: Option<Diagnostic>,
    documents: Vec<Document>,
    /// Why a walked file is not a job file (then it is not read further).
    passed_over: Option<&'static str>,
}

/// A file after the reading pass: judged already when the answers for its
/// pairs had come, else waiting for them (with its text).
enum Staged {
    Judged(FileReport),
    Waiting(Box<ReadFile>),
    PassedOver(PassedOver),
}

/// The answers known so far, shared by the readers and the lookup.
type Answers = RwLock<HashMap<Pair, Arc<Lookup>>>;

/// The readers' thread pool, made once per process (a library caller that
/// checks many times, such as the fuzz target, reuses its threads).
fn reader_pool() -> &'static Option<rayon::ThreadPool> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .stack_size(READER_STACK)
            .thread_name(|i| format!("jobcheck-reader-{i}"))
            .build()
            .ok()
    })
}

/// Check every input against a limit source: one lookup per distinct
/// (group, accelerator type) pair, whatever the number of documents.
///
/// Files are read and parsed in parallel (in input order in the report).
/// Each pair goes to the source the moment it is first seen, so answers that
/// take time (the network) arrive while the remaining files are read. A file
/// whose answers are already known is judged at once and keeps its text only
/// when it has something to show; the rest are judged when the answers are in.
pub fn check_inputs(inputs: Vec<Input>, source: &dyn LimitSource, options: &Options) -> Report {
    check_bounded(inputs, source, options).unwrap_or_else(|too_many| Report {
        files: Vec::new(),
        notices: vec![Notice::error(too_many.to_string())],
        passed_over: Vec::new(),
    })
}

/// The most distinct (group, type) pairs a run asks for: a real repository
/// names tens; a file that names thousands would make as many requests.
pub const MAX_PAIRS: usize = 1_000;

/// A run whose inputs name more than [`MAX_PAIRS`] pairs.
#[derive(Debug, thiserror::Error)]
#[error(
    "the inputs name {0} distinct (resource group, accelerator type) pairs; a run asks for \
     the limits of at most {MAX_PAIRS}, so none beyond the first {MAX_PAIRS} was asked and \
     nothing was judged: check fewer files at a time"
)]
pub struct TooManyPairs(pub usize);

/// [`check_inputs`], refusing a run that names more than [`MAX_PAIRS`]
/// pairs: no pair beyond them is handed to the source (so no request is
/// made for it), and no report is made.
pub fn check_bounded(
    inputs: Vec<Input>,
    source: &dyn LimitSource,
    options: &Options,
) -> Result<Report, TooManyPairs> {
    let mut files = Vec::with_capacity(inputs.len());
    let end = check_streaming(inputs, source, options, &mut |f| files.push(f))?;
    Ok(Report {
        files,
        notices: end.notices,
        passed_over: end.passed_over,
    })
}

/// What a run gives besides its files, once every file is judged.
#[derive(Debug, Default)]
pub struct RunEnd {
    /// "limits unavailable" once per pair, in the order the pairs first
    /// appear.
    pub notices: Vec<Notice>,
    /// Walked files that are not job files, in input order.
    pub passed_over: Vec<PassedOver>,
}

/// How many consecutive files a reader takes at a time and sends on
/// together: one hand-over (and at most one wake-up of the writing thread)
/// per block, not per file.
const BLOCK: usize = 16;

/// How many blocks of read files may wait for the one that writes next.
const IN_FLIGHT: usize = 32;

/// What the reader threads and the lookup tell the thread that hands
/// files on in input order.
enum Event {
    /// Consecutive files, the first at this place of the input list.
    Files(usize, Vec<Staged>),
    /// A pair's answer came.
    Answer,
    /// The lookup is over: a pair without an answer will get none.
    LookupDone,
}

/// Check every input as [`check_inputs`] does, handing each file's report
/// to `sink` as soon as it and every file before it are judged, in input
/// order, so that a run keeps no file once it is handed on: memory does not
/// grow with the number of files. Files are read on the reader pool, the
/// pairs looked up on the calling thread (each distinct pair once, as soon
/// as a reader first sees it), and `sink` is called on a thread of its own;
/// a file read before its answers came waits for them.
///
/// Past [`MAX_PAIRS`] pairs, no further file is handed on and the run ends
/// with [`TooManyPairs`] (files handed on before the bound was passed stay
/// handed on).
pub fn check_streaming(
    inputs: impl Into<Inputs>,
    source: &dyn LimitSource,
    options: &Options,
    sink: &mut (dyn FnMut(FileReport) + Send),
) -> Result<RunEnd, TooManyPairs> {
    check_streaming_on(inputs.into(), source, options, sink, reader_pool().as_ref())
}

/// [`check_streaming`] with the readers on `pool`, or on threads of their
/// own when there is none (never on a rayon pool the sink may be drawing a
/// report on while the readers wait for it, such as rayon's global one).
fn check_streaming_on(
    inputs: Inputs,
    source: &dyn LimitSource,
    options: &Options,
    sink: &mut (dyn FnMut(FileReport) + Send),
    pool: Option<&rayon::ThreadPool>,
) -> Result<RunEnd, TooManyPairs> {
    let answers: Answers = RwLock::new(HashMap::new());
    let asked: Mutex<HashSet<Pair>> = Mutex::new(HashSet::new());
    let over = AtomicBool::new(false);
    let (pair_sender, pairs) = mpsc::channel::<Pair>();
    let (answers_ref, asked_ref, over_ref) = (&answers, &asked, &over);
    if let Some(n) = inputs.count()
        && n <= BLOCK
    {
        let (inputs, _) = inputs.split();
        let (passed_over, order) = std::thread::scope(|scope| {
            // A few files: read, looked up and handed on in turn, with no
            // pool and no writing thread. They are read on one thread with
            // the readers' stack, never on the caller's: a main thread's
            // stack is 1 MiB on Windows (and what `ulimit -s` says on
            // Unix), too little for the parser's depth budget.
            let read = move || {
                read_few(
                    inputs,
                    &pair_sender,
                    asked_ref,
                    answers_ref,
                    options,
                    over_ref,
                )
            };
            let reader = std::thread::Builder::new()
                .stack_size(READER_STACK)
                .spawn_scoped(scope, read);
            let staged = match reader.map(|r| r.join()) {
                Ok(Ok(staged)) => staged,
                Ok(Err(panic)) => std::panic::resume_unwind(panic),
                Err(e) => panic!("cannot start a reader thread: {e}"),
            };
            source.lookup_stream(pairs, &mut |pair, lookup| {
                if let Ok(mut a) = answers.write() {
                    a.insert(pair, Arc::new(lookup));
                }
            });
            let (events, received) = mpsc::channel::<Event>();
            let _ = events.send(Event::Files(0, staged));
            let _ = events.send(Event::LookupDone);
            drop(events);
            hand_on(received, answers_ref, options, over_ref, sink)
        });
        return end_of_run(&asked, answers, passed_over, &order);
    }
    let (events, received) = mpsc::sync_channel::<Event>(IN_FLIGHT);
    let (passed_over, order) = std::thread::scope(|scope| {
        let writer = scope.spawn(move || hand_on(received, answers_ref, options, over_ref, sink));
        let reader_events = events.clone();
        let reader = scope.spawn(move || {
            let work = || {
                read_all(
                    inputs,
                    pair_sender,
                    reader_events,
                    asked_ref,
                    answers_ref,
                    options,
                    over_ref,
                )
            };
            match pool {
                Some(pool) => pool.install(work),
                None => work(),
            }
        });
        source.lookup_stream(pairs, &mut |pair, lookup| {
            if let Ok(mut a) = answers.write() {
                a.insert(pair, Arc::new(lookup));
            }
            let _ = events.send(Event::Answer);
        });
        let _ = events.send(Event::LookupDone);
        drop(events);
        if let Err(panic) = reader.join() {
            std::panic::resume_unwind(panic);
        }
        match writer.join() {
            Ok(end) => end,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    end_of_run(&asked, answers, passed_over, &order)
}

/// The end of a run once every file is handed on: refused past the bound
/// on pairs, else its notices and the files passed over.
fn end_of_run(
    asked: &Mutex<HashSet<Pair>>,
    answers: Answers,
    passed_over: Vec<PassedOver>,
    order: &[Pair],
) -> Result<RunEnd, TooManyPairs> {
    let named = asked.lock().map_or(0, |a| a.len());
    if named > MAX_PAIRS {
        return Err(TooManyPairs(named));
    }
    let answers = answers.into_inner().unwrap_or_else(|e| e.into_inner());
    Ok(RunEnd {
        notices: runwide::notices(order, &answers),
        passed_over,
    })
}

/// Read and stage a few files in input order on this thread, standard
/// input first (as [`read_all`] does).
fn read_few(
    inputs: Vec<Input>,
    pairs: &mpsc::Sender<Pair>,
    asked: &Mutex<HashSet<Pair>>,
    answers: &Answers,
    options: &Options,
    over: &AtomicBool,
) -> Vec<Staged> {
    let inputs: Vec<Result<ReadFile, Input>> = inputs
        .into_iter()
        .map(|input| match input.source {
            Source::Stdin => Ok(read_input(input)),
            _ => Err(input),
        })
        .collect();
    let mut dirs = Dirs::default();
    inputs
        .into_iter()
        .map(|input| {
            let f = input.unwrap_or_else(|i| read_input_in(i, &mut dirs));
            stage(f, pairs, asked, answers, options, over)
        })
        .collect()
}

/// Hand files on in input order as they are judged; judge those that
/// waited for their answers once the answers are in. Returns the files
/// passed over and the pairs of the jobs in the order they first appear.
fn hand_on(
    events: mpsc::Receiver<Event>,
    answers: &Answers,
    options: &Options,
    over: &AtomicBool,
    sink: &mut (dyn FnMut(FileReport) + Send),
) -> (Vec<PassedOver>, Vec<Pair>) {
    let mut pending: BTreeMap<usize, Staged> = BTreeMap::new();
    let mut next = 0;
    let mut done = false;
    let mut passed_over = Vec::new();
    let mut order = Vec::new();
    // Per group, which accelerator types were seen: looked up by the
    // group's name, so a job's pair is copied only the first time.
    let mut seen: HashMap<String, [bool; crate::vocab::AccelType::ALL.len()]> = HashMap::new();
    let mut emit = |report: FileReport| {
        for job in &report.jobs {
            let (Some(group), Some(accelerator)) = (&job.resource_group, job.accelerator_type)
            else {
                continue;
            };
            let types = match seen.get_mut(group.as_str()) {
                Some(types) => types,
                None => seen.entry(group.clone()).or_default(),
            };
            if !std::mem::replace(&mut types[accelerator as usize], true) {
                order.push(Pair {
                    group: group.clone(),
                    accelerator,
                });
            }
        }
        if !over.load(Ordering::Relaxed) {
            sink(report);
        }
    };
    let mut drain = |pending: &mut BTreeMap<usize, Staged>, done: bool| {
        while let Some(staged) = pending.remove(&next) {
            match staged {
                Staged::Judged(report) => emit(report),
                Staged::PassedOver(p) => passed_over.push(p),
                Staged::Waiting(f) => {
                    let known = answers_for(&f, |p| {
                        let known = answers.read().ok().and_then(|a| a.get(p).cloned());
                        match known {
                            None if done => Some(Arc::new(Lookup::Unavailable {
                                reason: "the limit source gave no answer".into(),
                            })),
                            known => known,
                        }
                    });
                    match known {
                        Some(known) => emit(judge_file(*f, known, options)),
                        None => {
                            pending.insert(next, Staged::Waiting(f));
                            return;
                        }
                    }
                }
            }
            next += 1;
        }
    };
    for event in events {
        match event {
            Event::Files(first, files) => {
                for (i, staged) in files.into_iter().enumerate() {
                    pending.insert(first + i, staged);
                }
            }
            Event::Answer => {}
            Event::LookupDone => done = true,
        }
        drain(&mut pending, done);
    }
    drain(&mut pending, true);
    (passed_over, order)
}

/// Read and parse every file on the reader pool, sending each pair to the
/// lookup when it is first seen, judging the files whose answers are known,
/// and sending each file on. The files are taken in input order, a block
/// at a time by each reader, so they come out nearly in order.
fn read_all(
    inputs: Inputs,
    pairs: mpsc::Sender<Pair>,
    events: mpsc::SyncSender<Event>,
    asked: &Mutex<HashSet<Pair>>,
    answers: &Answers,
    options: &Options,
    over: &AtomicBool,
) {
    // Standard input is read first, in order, so that `-` given twice reads
    // the same way every time (the second sees an empty stream).
    // (Boxed, so the list stays the size of the input list.) A walk still
    // going finds files only.
    let (listed, walking) = inputs.split();
    let listed: Vec<Result<Box<ReadFile>, Input>> = listed
        .into_iter()
        .map(|input| match input.source {
            Source::Stdin => Ok(Box::new(read_input(input))),
            _ => Err(input),
        })
        .collect();
    let queue = Mutex::new(listed.into_iter().chain(walking.map(Err)).enumerate());
    let work = |pairs: mpsc::Sender<Pair>, events: mpsc::SyncSender<Event>| {
        let mut dirs = Dirs::default();
        loop {
            let block: Vec<(usize, Result<Box<ReadFile>, Input>)> = match queue.lock() {
                Ok(mut q) => q.by_ref().take(BLOCK).collect(),
                Err(_) => Vec::new(),
            };
            let Some(&(first, _)) = block.first() else {
                break;
            };
            let staged = block
                .into_iter()
                .map(|(_, input)| {
                    let f = input.map_or_else(|i| read_input_in(i, &mut dirs), |f| *f);
                    stage(f, &pairs, asked, answers, options, over)
                })
                .collect();
            if events.send(Event::Files(first, staged)).is_err() {
                break;
            }
        }
    };
    let work = &work;
    if rayon::current_thread_index().is_some() {
        // On the readers' pool.
        rayon::scope(|scope| {
            for _ in 0..rayon::current_num_threads().max(1) {
                let (pairs, events) = (pairs.clone(), events.clone());
                scope.spawn(move |_| work(pairs, events));
            }
        });
        return;
    }
    // No pool: threads of their own, not rayon's global pool. A sink may
    // draw batches there, and would wait for readers that wait for it (a
    // full channel). This thread reads too, so the run goes on if no
    // other thread can be started.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 1..threads {
            let (pairs, events) = (pairs.clone(), events.clone());
            let spawned = std::thread::Builder::new()
                .stack_size(READER_STACK)
                .spawn_scoped(scope, move || work(pairs, events));
            if spawned.is_err() {
                break;
            }
        }
        work(pairs.clone(), events.clone());
    });
}

/// A file read: passed over, judged when the answers for its pairs are
/// known, else waiting for them. Each pair it names that no file named
/// before goes to the lookup.
fn stage(
    f: ReadFile,
    sender: &mpsc::Sender<Pair>,
    asked: &Mutex<HashSet<Pair>>,
    answers: &Answers,
    options: &Options,
    over: &AtomicBool,
) -> Staged {
    if let Some(reason) = f.passed_over {
        return Staged::PassedOver(PassedOver {
            path: f.input.display,
            reason,
        });
    }
    for pair in f.documents.iter().filter_map(|d| d.job.as_ref()?.pair()) {
        // Past the bound, pairs are counted but not asked for.
        let new = asked
            .lock()
            .map(|mut a| {
                if a.contains(&pair) {
                    return false;
                }
                a.insert(pair.clone());
                if a.len() > MAX_PAIRS {
                    over.store(true, Ordering::Relaxed);
                    return false;
                }
                true
            })
            .unwrap_or(true);
        if new {
            // The lookup stops reading only when every sender is gone.
            let _ = sender.send(pair);
        }
    }
    let known = answers_for(&f, |p| answers.read().ok().and_then(|a| a.get(p).cloned()));
    match known {
        Some(known) => Staged::Judged(judge_file(f, known, options)),
        None => Staged::Waiting(Box::new(f)),
    }
}

/// Each document's answer (`None` for a document without a pair), or `None`
/// when some pair of the file has no answer yet.
fn answers_for(
    f: &ReadFile,
    answer: impl Fn(&Pair) -> Option<Arc<Lookup>>,
) -> Option<Vec<Option<Arc<Lookup>>>> {
    f.documents
        .iter()
        .map(|d| match d.job.as_ref().and_then(request::Job::pair) {
            Some(pair) => answer(&pair).map(Some),
            None => Some(None),
        })
        .collect()
}

fn read_input(input: Input) -> ReadFile {
    read_input_in(input, &mut Dirs::default())
}

/// [`read_input`] by a reader that keeps the directory it read in last.
fn read_input_in(input: Input, dirs: &mut Dirs) -> ReadFile {
    match load(&input, dirs) {
        Err(problem) => ReadFile {
            input,
            text: String::new(),
            problem: Some(*problem),
            documents: Vec::new(),
            passed_over: None,
        },
        Ok(text)
            if input.walked
                && let Some(reason) = notajob::passed_over(&text) =>
        {
            ReadFile {
                input,
                text: String::new(),
                problem: None,
                documents: Vec::new(),
                passed_over: Some(reason),
            }
        }
        Ok(text) => {
            let json = input.display.to_ascii_lowercase().ends_with(".json");
            let documents = request::read_file(&text, json);
            let problem = documents.is_empty().then(|| {
                Diagnostic::new(
                    Code::InvalidValue,
                    None,
                    "the file holds no job request (it is empty, or only comments)",
                )
                .help("add a job spec, or leave this file out of the paths checked")
            });
            ReadFile {
                input,
                text,
                problem,
                documents,
                passed_over: None,
            }
        }
    }
}

fn judge_file(f: ReadFile, answers: Vec<Option<Arc<Lookup>>>, options: &Options) -> FileReport {
    let json = f.input.display.to_ascii_lowercase().ends_with(".json");
    let ignored = options
        .config
        .ignored_in(std::path::Path::new(&f.input.display));
    let mut suppressions = suppress::Suppressions::read(&f.text, json, ignored);
    let mut diagnostics: Vec<Diagnostic> = f.problem.into_iter().collect();
    let mut suppressed = suppressions.take(&mut diagnostics);
    let mut jobs = Vec::with_capacity(f.documents.len());
    let mut hidden = Vec::new();
    for (doc, answer) in f.documents.into_iter().zip(answers) {
        let mut diags = doc.diagnostics;
        let answer = answer.as_deref();
        let request = doc.job.as_ref().map(|j| reading::request(j, &diags));
        runwide::reader_fixes(&f.text, doc.job.as_ref(), &mut diags);
        runwide::group_missing(&mut diags, doc.job.as_ref().map(|j| j.kind));
        let mut limits = None;
        if let (Some(job), Some(answer)) = (&doc.job, answer) {
            let caps = job
                .group
                .as_ref()
                .map(|g| options.config.caps(&g.value))
                .unwrap_or_default();
            if let Lookup::Found(found) = answer {
                limits = Some(reading::judged_limits(job, found, &caps));
            }
            for mut d in check(job, answer, &caps) {
                d.document = Some(doc.index);
                diags.push(d);
            }
        }
        runwide::quote_fixes(&f.text, &mut diags);
        options.config.apply_rules(&mut diags);
        suppressed.extend(suppressions.take(&mut diags));
        let name = doc.job.as_ref().and_then(|j| j.name.as_deref());
        if let Some(baseline) = &options.baseline {
            suppressed.extend(baseline.take(&f.input.display, name, doc.index, &mut diags));
        }
        let rejected = diags
            .iter()
            .any(|d| verdict::rejects(d, options.deny_warnings));
        let (verdict, reason) = verdict::of_job(rejected || doc.job.is_none(), answer);
        let job = doc.job;
        jobs.push(JobEntry {
            document: doc.index,
            accelerator_type: job.as_ref().map(|j| j.accelerator),
            name: job.as_ref().and_then(|j| j.name.clone()),
            resource_group: job.and_then(|j| j.group.map(|g| g.value)),
            verdict,
            reason,
            request,
            limits,
        });
        let more = doc.hidden + diags.len().saturating_sub(SHOWN_PER_DOCUMENT);
        if more > 0 {
            // The errors first (they say why the job is rejected), then in
            // the order of the file.
            diags.sort_by_key(|d| (!d.is_error(), d.span.map(|s| s.start)));
            diags.truncate(SHOWN_PER_DOCUMENT);
            hidden.push((doc.index, more));
        }
        diags.sort_by_key(|d| d.span.map(|s| s.start));
        diagnostics.extend(diags);
    }
    // Suppressions that suppressed nothing, judged once the whole file is.
    let mut unused = suppressions.unused();
    options.config.apply_rules(&mut unused);
    suppressed.extend(suppressions.take_configured(&mut unused));
    for d in &unused {
        if verdict::rejects(d, options.deny_warnings)
            && let Some(job) = jobs.iter_mut().find(|j| Some(j.document) == d.document)
        {
            job.verdict = report::Verdict::Rejected;
            job.reason = None;
        }
    }
    diagnostics.extend(unused);
    diagnostics.sort_by_key(|d| d.span.map(|s| s.start));
    suppressed.sort_by_key(|s| s.diagnostic.span.map(|s| s.start));
    if !diagnostics.is_empty() || !suppressed.is_empty() {
        let index = LineIndex::new(&f.text);
        for d in diagnostics
            .iter_mut()
            .chain(suppressed.iter_mut().map(|s| &mut s.diagnostic))
        {
            d.position = d.span.map(|s| index.position(s));
        }
        runwide::place_fixes(&index, &mut diagnostics);
    }
    // Only a file with something to show keeps its text.
    let keep = !diagnostics.is_empty();
    FileReport {
        path: f.input.display,
        source: keep.then_some(f.text),
        jobs,
        diagnostics,
        suppressed,
        hidden,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;
    use crate::vocab::{AccelType, CountKey, LimitKey};

    /// A source that implements only `lookup`, and counts its calls.
    struct Counting {
        calls: Mutex<Vec<Vec<Pair>>>,
        unavailable: bool,
    }

    impl LimitSource for Counting {
        fn lookup(&self, pairs: &[Pair]) -> Vec<Lookup> {
            if let Ok(mut calls) = self.calls.lock() {
                calls.push(pairs.to_vec());
            }
            pairs
                .iter()
                .map(|p| {
                    if self.unavailable {
                        Lookup::Unavailable {
                            reason: "down".into(),
                        }
                    } else {
                        Lookup::Found(
                            Limits::new(p.group.clone())
                                .with(LimitKey::Cpus, 8)
                                .with(LimitKey::Cards, 2)
                                .with(CountKey::Quota(AccelType::Gpu), 0)
                                .with(CountKey::Quota(AccelType::Dcu), 0)
                                .with(CountKey::Quota(AccelType::Mlu), 0)
                                .with(LimitKey::Memory, 65536)
                                .with(LimitKey::Nodes, 1),
                        )
                    }
                })
                .collect()
        }
    }

    /// [`Counting`], answering each pair as soon as it is named (as the
    /// API and limits-file sources do), so files are handed on while the
    /// readers still read.
    struct Prompt(Counting);

    impl LimitSource for Prompt {
        fn lookup(&self, pairs: &[Pair]) -> Vec<Lookup> {
            self.0.lookup(pairs)
        }

        fn lookup_stream(&self, pairs: mpsc::Receiver<Pair>, answer: &mut dyn FnMut(Pair, Lookup)) {
            let mut seen = HashSet::new();
            for pair in pairs {
                if seen.insert(pair.clone())
                    && let Some(lookup) = self.0.lookup(std::slice::from_ref(&pair)).pop()
                {
                    answer(pair, lookup);
                }
            }
        }
    }

    fn inputs(n: usize) -> Vec<Input> {
        (0..n)
            .map(|i| Input {
                display: format!("job-{i:04}.yaml"),
                source: Source::Bytes(
                    format!(
                        "resourceGroup: g{}\ncpus: {}\ngpus: 1\nmemory: 1G\n",
                        (n - i) % 7,
                        if i % 10 == 0 { 9 } else { 4 }
                    )
                    .into_bytes(),
                ),
                walked: false,
            })
            .collect()
    }

    #[test]
    fn without_a_reader_pool_a_sink_drawing_on_the_global_pool_does_not_hang() {
        // More files than the channel holds, and a sink that, like the
        // human and JSON formats, draws on rayon's global pool: the readers
        // must not be on that pool, waiting for the sink to drain.
        let n = (IN_FLIGHT + 8) * BLOCK * 2;
        let (done, finished) = mpsc::channel();
        std::thread::spawn(move || {
            let source = Prompt(Counting {
                calls: Mutex::new(Vec::new()),
                unavailable: false,
            });
            let mut files = 0;
            let end = check_streaming_on(
                inputs(n).into(),
                &source,
                &Options::default(),
                &mut |f| {
                    use rayon::prelude::*;
                    let sum: usize = (0..64).into_par_iter().map(|i| i + f.jobs.len()).sum();
                    files += usize::from(sum > 0);
                },
                None,
            );
            let _ = done.send((end.is_ok(), files));
        });
        // A hang guard, not a timing: the run takes well under a second.
        let (ok, files) = finished
            .recv_timeout(std::time::Duration::from_secs(120))
            .expect("the run hung");
        assert!(ok);
        assert_eq!(files, n);
    }

    #[test]
    fn a_few_files_are_judged_as_in_a_larger_run() {
        let run = |n: usize| {
            let source = Counting {
                calls: Mutex::new(Vec::new()),
                unavailable: false,
            };
            let mut shown = Vec::new();
            let end = check_streaming(inputs(n), &source, &Options::default(), &mut |f| {
                shown.push(format!("{f:?}"))
            })
            .unwrap();
            assert_eq!(source.calls.into_inner().unwrap().len(), 1);
            (shown, format!("{:?}", end.notices))
        };
        let (many, _) = run(BLOCK + 7 * 3);
        let (few, notices) = run(BLOCK);
        assert_eq!(notices, "[]");
        assert_eq!(few.len(), BLOCK);
        // File i of a run of n files names group (n - i) % 7: runs whose
        // lengths differ by a multiple of 7 name the same groups.
        assert_eq!(few[..], many[..BLOCK]);
    }

    #[test]
    fn a_plain_source_gets_one_call_with_every_distinct_pair() {
        let source = Counting {
            calls: Mutex::new(Vec::new()),
            unavailable: false,
        };
        let report = check_inputs(inputs(300), &source, &Options::default());
        let calls = source.calls.into_inner().unwrap();
        assert_eq!(calls.len(), 1);
        let mut groups: Vec<&str> = calls[0].iter().map(|p| p.group.as_str()).collect();
        groups.sort();
        assert_eq!(groups, ["g0", "g1", "g2", "g3", "g4", "g5", "g6"]);
        assert_eq!(report.summary().rejected, 30);
        assert_eq!(report.summary().admitted, 270);
    }

    #[test]
    fn files_stay_in_input_order_and_only_files_with_diagnostics_keep_their_text() {
        let source = Counting {
            calls: Mutex::new(Vec::new()),
            unavailable: false,
        };
        let report = check_inputs(inputs(500), &source, &Options::default());
        let paths: Vec<String> = report.files.iter().map(|f| f.path.clone()).collect();
        let expected: Vec<String> = (0..500).map(|i| format!("job-{i:04}.yaml")).collect();
        assert_eq!(paths, expected);
        for f in &report.files {
            assert_eq!(f.source.is_some(), !f.diagnostics.is_empty(), "{}", f.path);
        }
    }

    /// A source that answers each pair at once, and notes how many files
    /// had been handed on when the last file was read (the pairs' channel
    /// closes when every reader is done).
    struct Watching<'a> {
        handed_on: &'a std::sync::atomic::AtomicUsize,
        at_last_read: std::sync::atomic::AtomicUsize,
    }

    impl LimitSource for Watching<'_> {
        fn lookup(&self, pairs: &[Pair]) -> Vec<Lookup> {
            pairs
                .iter()
                .map(|p| Lookup::Found(Limits::new(p.group.clone())))
                .collect()
        }
        fn lookup_stream(&self, pairs: mpsc::Receiver<Pair>, answer: &mut dyn FnMut(Pair, Lookup)) {
            for pair in pairs {
                answer(pair.clone(), self.lookup(&[pair]).remove(0));
            }
            let now = self.handed_on.load(Ordering::SeqCst);
            self.at_last_read.store(now, Ordering::SeqCst);
        }
    }

    #[test]
    fn files_are_handed_on_in_order_while_later_ones_are_still_read() {
        let handed_on = std::sync::atomic::AtomicUsize::new(0);
        let source = Watching {
            handed_on: &handed_on,
            at_last_read: std::sync::atomic::AtomicUsize::new(0),
        };
        let n = 5_000;
        let mut paths = Vec::new();
        let end = check_streaming(inputs(n), &source, &Options::default(), &mut |f| {
            handed_on.fetch_add(1, Ordering::SeqCst);
            // Handed on without its text when it has nothing to show.
            assert_eq!(f.source.is_some(), !f.diagnostics.is_empty());
            paths.push(f.path);
        })
        .unwrap();
        assert!(end.notices.is_empty());
        let expected: Vec<String> = (0..n).map(|i| format!("job-{i:04}.yaml")).collect();
        assert_eq!(paths, expected);
        // At most the files in flight (and one per reader) were still held
        // when the last one was read: the rest had been handed on.
        let early = source.at_last_read.load(Ordering::SeqCst);
        assert!(
            early + (IN_FLIGHT + 2 * rayon::current_num_threads() + 2) * BLOCK >= n,
            "only {early} of {n} files were handed on before the last was read"
        );
    }

    #[test]
    fn past_the_bound_on_pairs_no_later_file_is_handed_on() {
        let source = Counting {
            calls: Mutex::new(Vec::new()),
            unavailable: false,
        };
        let inputs: Vec<Input> = (0..MAX_PAIRS + 50)
            .map(|i| Input {
                display: format!("job-{i:05}.yaml"),
                source: Source::Bytes(format!("resourceGroup: g{i}\ncpus: 1\n").into_bytes()),
                walked: false,
            })
            .collect();
        let mut handed_on = Vec::new();
        let result = check_streaming(inputs, &source, &Options::default(), &mut |f| {
            handed_on.push(f.path)
        });
        assert!(matches!(result, Err(TooManyPairs(n)) if n == MAX_PAIRS + 50));
        // The file at index MAX_PAIRS named the pair past the bound.
        let last = format!("job-{MAX_PAIRS:05}.yaml");
        assert!(
            handed_on.iter().all(|p| *p < last),
            "{:?}",
            handed_on.last()
        );
        let asked: usize = source
            .calls
            .into_inner()
            .unwrap()
            .iter()
            .map(Vec::len)
            .sum();
        assert_eq!(asked, MAX_PAIRS);
    }

    #[test]
    fn notices_follow_the_order_in_which_pairs_first_appear() {
        let source = Counting {
            calls: Mutex::new(Vec::new()),
            unavailable: true,
        };
        let report = check_inputs(inputs(100), &source, &Options::default());
        let groups: Vec<&str> = report
            .notices
            .iter()
            .filter_map(|n| n.text.split('`').nth(1))
            .collect();
        // The first input uses g(100 % 7) = g2, then g1, g0, g6, …
        assert_eq!(groups, ["g2", "g1", "g0", "g6", "g5", "g4", "g3"]);
        assert_eq!(report.summary().unjudged, 100);
    }
}
