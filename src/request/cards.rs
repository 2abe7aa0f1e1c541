//! Which accelerator type a job asks for, and whether its cards match it.

use super::{AccelType, Job, Reader, Value};
use crate::diag::{Code, Diagnostic, Span};
use crate::vocab::LimitKey;

/// A platform body's key for the cards of any type.
const BODY_CARDS: &str = super::fields::limit_field(LimitKey::Cards).body_key;

/// A card key of a job spec: its type, where the key is, and its count.
pub(super) type Cards = (AccelType, Span, Option<Value<u64>>);

impl Reader<'_> {
    /// A job spec's type and cards: at most one card kind, and it must
    /// match a stated type. Gives the type, where it was stated or implied,
    /// and the cards that count.
    pub(super) fn spec_cards(
        &mut self,
        cards: Vec<Cards>,
        explicit: &Option<Value<AccelType>>,
    ) -> (AccelType, Option<Span>, Option<Value<u64>>) {
        let mut chosen: Option<Cards> = None;
        for (kind, key_span, value) in cards {
            match &chosen {
                None => chosen = Some((kind, key_span, value)),
                Some((first, _, _)) => self.push(
                    Diagnostic::at(
                        Code::AcceleratorTypeMismatch,
                        key_span,
                        format!(
                            "`{}` and `{}` are both given, but a job uses one accelerator type",
                            first.cards_key(),
                            kind.cards_key()
                        ),
                    )
                    .label("second accelerator kind")
                    .help(format!(
                        "keep only `{}` or `{}`",
                        first.cards_key(),
                        kind.cards_key()
                    ))
                    .field(kind.cards_key()),
                ),
            }
        }
        // No acceleratorType and no cards (`gpus: 0`) is a cpu job.
        let no_cards = chosen
            .as_ref()
            .is_some_and(|(_, _, v)| v.as_ref().is_some_and(|v| v.value == 0));
        let accelerator = match (&explicit, &chosen) {
            (Some(t), _) => t.value,
            (None, Some(_)) if no_cards => AccelType::Cpu,
            (None, Some((kind, _, _))) => *kind,
            (None, None) => AccelType::Cpu,
        };
        let accelerator_span = explicit.as_ref().map(|t| t.span).or(chosen
            .as_ref()
            .filter(|_| !no_cards)
            .map(|(_, key_span, _)| *key_span));
        let mut job_cards = None;
        if let Some((kind, key_span, value)) = chosen {
            let stated = explicit.as_ref().map(|t| t.value);
            let conflicting = match stated {
                Some(AccelType::Cpu) => value.as_ref().is_some_and(|v| v.value > 0),
                Some(t) => t != kind,
                None => false,
            };
            if conflicting {
                let t = explicit.as_ref().map(|t| t.value).unwrap_or(AccelType::Cpu);
                let help = if t == AccelType::Cpu {
                    format!(
                        "remove `{}`, or set acceleratorType to {}",
                        kind.cards_key(),
                        kind.as_str()
                    )
                } else {
                    format!(
                        "write `{}:` for {} cards, or set `acceleratorType: {}`",
                        t.cards_key(),
                        t.as_str(),
                        kind.as_str()
                    )
                };
                let mut d = Diagnostic::at(
                    Code::AcceleratorTypeMismatch,
                    key_span,
                    format!(
                        "`{}` asks for {} cards, but acceleratorType is {}",
                        kind.cards_key(),
                        kind.as_str(),
                        t.as_str()
                    ),
                )
                .label(format!("{} cards", kind.as_str()))
                .help(help)
                .field(kind.cards_key());
                if let Some(t) = explicit {
                    d = d.note(t.span, "type stated here");
                }
                self.push(d);
            } else {
                job_cards = value;
            }
        }
        (accelerator, accelerator_span, job_cards)
    }

    /// A platform body's type: as stated; cards on a cpu job are refused.
    pub(super) fn body_cards(&mut self, job: &mut Job, explicit: &Option<Value<AccelType>>) {
        if let Some(t) = explicit {
            job.accelerator = t.value;
            job.accelerator_span = Some(t.span);
            if t.value == AccelType::Cpu
                && let Some(cards) = job.cards().filter(|c| c.value > 0)
            {
                job.set(LimitKey::Cards, None);
                self.push(
                    Diagnostic::at(
                        Code::AcceleratorTypeMismatch,
                        cards.span,
                        format!(
                            "`{BODY_CARDS}` asks for {} {}, but acceleratorType is cpu",
                            cards.value,
                            if cards.value == 1 { "card" } else { "cards" }
                        ),
                    )
                    .label("cards on a cpu job")
                    .note(t.span, "type stated here")
                    .help(format!(
                        "set `\"{BODY_CARDS}\": 0`, or choose acceleratorType gpu, dcu or mlu"
                    ))
                    .field(BODY_CARDS)
                    .requested(cards.value.to_string()),
                );
            }
        }
    }
}
