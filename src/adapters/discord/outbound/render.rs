//! How engine actions look on Discord: answers and fixes as embeds (the
//! answer, its source, what matched), plain texts split at the message limit,
//! buttons as `custom_id`s the handler can verify, the staff card as an
//! embed with *Claim*. Layout only: every word comes from the engine, and
//! text a customer wrote is shown with its mentions broken.

use serenity::all::{
    ButtonStyle, CreateActionRow, CreateButton, CreateEmbed, CreateEmbedFooter, CreateInputText,
    CreateModal, InputTextStyle,
};

use super::custom_id::{self, ButtonId, MAX_CHOICE_BUTTONS};
use super::mentions::neutralise;
use super::split::{EMBED_DESCRIPTION_LIMIT, MESSAGE_LIMIT, split_markdown};
use crate::domain::{Button, Card, CardStatus, Offer, StaffButton, TicketId};
use crate::knowledge::{Kind, Lang, Need};

/// Discord's limit on an embed title.
const TITLE_LIMIT: usize = 256;
/// Discord's limit on an embed field value.
const FIELD_LIMIT: usize = 1024;
/// Buttons in one action row.
const ROW: usize = 5;

/// One message to post: text or one embed, and buttons on the last one.
#[derive(Debug, Clone, Default)]
pub struct Piece {
    /// The text, at most 2,000 characters.
    pub content: Option<String>,
    /// An embed.
    pub embed: Option<CreateEmbed>,
    /// Button rows.
    pub rows: Vec<CreateActionRow>,
}

/// What the buttons refer to: the conversation for feedback and choices,
/// the ticket for ratings.
#[derive(Debug, Clone, Copy)]
pub struct ButtonContext {
    /// The conversation the buttons belong to.
    pub conversation: i64,
    /// The ticket rated, for rating buttons.
    pub ticket: Option<TicketId>,
    /// The answer or *did you mean* the buttons are under (`State::offer`).
    pub offer: Option<u64>,
}

/// `text` in message-sized pieces, with `rows` under the last.
pub fn text(text: &str, rows: Vec<CreateActionRow>) -> Vec<Piece> {
    let mut pieces: Vec<Piece> = split_markdown(text, MESSAGE_LIMIT)
        .into_iter()
        .map(|t| Piece {
            content: Some(t),
            ..Piece::default()
        })
        .collect();
    if pieces.is_empty() {
        pieces.push(Piece {
            content: Some("\u{200b}".to_owned()),
            ..Piece::default()
        });
    }
    if let Some(last) = pieces.last_mut() {
        last.rows = rows;
    }
    pieces
}

/// What an answer or fix shows besides its body.
pub struct AnswerParts<'a> {
    /// FAQ answer or documented fix.
    pub kind: Kind,
    /// Its title.
    pub title: &'a str,
    /// Its body, markdown.
    pub body: &'a str,
    /// The source line shown under it.
    pub source: String,
    /// What matched in the conversation (fixes).
    pub recognised: &'a [String],
}

/// An answer as embeds (the body split at the description limit), with
/// source and what matched on the last one, and `rows` under it.
pub fn answer(parts: &AnswerParts<'_>, rows: Vec<CreateActionRow>) -> Vec<Piece> {
    let chunks = split_markdown(parts.body, EMBED_DESCRIPTION_LIMIT);
    let count = chunks.len().max(1);
    let color = match parts.kind {
        Kind::Fix => 0xE67E22,
        _ => 0x3498DB,
    };
    let mut pieces = Vec::with_capacity(count);
    for (i, chunk) in chunks.into_iter().enumerate() {
        let mut embed = CreateEmbed::new().description(chunk).color(color);
        if i == 0 {
            embed = embed.title(cut(parts.title, TITLE_LIMIT));
        }
        if i + 1 == count {
            if !parts.recognised.is_empty() {
                let matched: Vec<String> = parts
                    .recognised
                    .iter()
                    .map(|r| format!("`{}`", neutralise(r).replace('`', "'")))
                    .collect();
                embed = embed.field("What matched", cut(&matched.join(", "), FIELD_LIMIT), false);
            }
            embed = embed.footer(CreateEmbedFooter::new(parts.source.clone()));
        }
        pieces.push(Piece {
            embed: Some(embed),
            ..Piece::default()
        });
    }
    if let Some(last) = pieces.last_mut() {
        last.rows = rows;
    }
    pieces
}

/// The buttons of `offers` as rows of five.
pub fn offer_rows(offers: &[Offer], ctx: ButtonContext) -> Vec<CreateActionRow> {
    let mut choice = 0u8;
    let buttons: Vec<CreateButton> = offers
        .iter()
        .filter_map(|offer| {
            let (action, id, style) = match &offer.button {
                Button::Solved => (
                    custom_id::ButtonAction::Solved,
                    ctx.conversation,
                    ButtonStyle::Success,
                ),
                Button::NotWhatIAsked => (
                    custom_id::ButtonAction::NotWhatIAsked,
                    ctx.conversation,
                    ButtonStyle::Secondary,
                ),
                Button::TalkToHuman => (
                    custom_id::ButtonAction::TalkToHuman,
                    ctx.conversation,
                    ButtonStyle::Primary,
                ),
                Button::FixedIt => (
                    custom_id::ButtonAction::FixedIt,
                    ctx.conversation,
                    ButtonStyle::Success,
                ),
                Button::StillBroken => (
                    custom_id::ButtonAction::StillBroken,
                    ctx.conversation,
                    ButtonStyle::Danger,
                ),
                Button::Choose(_) => {
                    let n = choice;
                    choice += 1;
                    if n >= MAX_CHOICE_BUTTONS {
                        return None;
                    }
                    (
                        custom_id::ButtonAction::Choose(n),
                        ctx.conversation,
                        ButtonStyle::Primary,
                    )
                }
                Button::Rate(r) => (
                    custom_id::ButtonAction::Rate(r.stars()),
                    ctx.ticket?.0,
                    ButtonStyle::Secondary,
                ),
            };
            let id = match (action, ctx.offer) {
                (custom_id::ButtonAction::Rate(_), _) | (_, None) => ButtonId::new(action, id),
                (_, Some(offer)) => ButtonId::new(action, id).under(offer),
            }
            .to_string();
            Some(
                CreateButton::new(id)
                    .label(cut(&offer.label, 80))
                    .style(style),
            )
        })
        .collect();
    rows(buttons)
}

fn rows(buttons: Vec<CreateButton>) -> Vec<CreateActionRow> {
    buttons
        .chunks(ROW)
        .map(|row| CreateActionRow::Buttons(row.to_vec()))
        .collect()
}

/// The form asking for the details staff need after *Still broken*: one
/// short text field per detail, labelled in the customer's language. Its
/// `custom_id` is the pressed button's, so the answer maps back to it.
pub fn details_form(custom_id: String, wanted: &[Need], lang: Lang) -> CreateModal {
    let title = match lang {
        Lang::En => "Details for our support staff",
        Lang::De => "Angaben für unsere Mitarbeiter",
    };
    let rows = wanted
        .iter()
        .take(FORM_FIELDS)
        .map(|need| {
            let style = if *need == Need::Error {
                InputTextStyle::Paragraph
            } else {
                InputTextStyle::Short
            };
            let field = CreateInputText::new(style, need.label(lang), need.as_str())
                .max_length(FORM_VALUE_LIMIT)
                .required(true);
            CreateActionRow::InputText(field)
        })
        .collect();
    CreateModal::new(custom_id, title).components(rows)
}

/// Discord's most fields in one form.
const FORM_FIELDS: usize = 5;
/// The longest answer a form field takes (Discord allows 4,000).
const FORM_VALUE_LIMIT: u16 = 1_000;

/// At most this many details on a card (Discord allows 25 fields in all).
const DETAIL_FIELDS: usize = 8;
/// The most of one detail a card shows.
const DETAIL_VALUE_LIMIT: usize = 300;
/// Discord's limit on all the text of one embed.
const EMBED_TOTAL_LIMIT: usize = 6_000;

/// A ticket card: customer, status, reason, what they wrote, what the bot
/// suggested, a link to the thread.
pub fn card_embed(card: &Card, thread_link: &str) -> CreateEmbed {
    let (status, color) = match &card.status {
        CardStatus::Open => ("open, unclaimed".to_owned(), 0xE74C3C),
        CardStatus::Claimed { by } => (format!("claimed by {}", neutralise(&by.name)), 0xF1C40F),
        CardStatus::Resolved { by, note } => (
            format!("resolved by {}: {}", neutralise(&by.name), neutralise(note)),
            0x2ECC71,
        ),
    };
    let wrote = card
        .customer_wrote
        .iter()
        .map(|t| format!("> {}", neutralise(t).replace('\n', "\n> ")))
        .collect::<Vec<_>>()
        .join("\n");
    let suggested = card
        .suggested
        .iter()
        .map(|s| match &s.feedback {
            Some(f) => format!("- {} (`{}`): {f:?}", s.title, s.entry_id),
            None => format!("- {} (`{}`)", s.title, s.entry_id),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut fields: Vec<(String, String, bool)> = vec![
        ("Customer".into(), neutralise(&card.customer.name), true),
        ("Status".into(), cut(&status, FIELD_LIMIT), true),
        ("Reason".into(), card.reason.as_str().into(), true),
        ("Thread".into(), thread_link.to_owned(), false),
        (
            "Opened".into(),
            card.opened_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            true,
        ),
    ];
    if let Some(contract) = &card.contract {
        let summary = cut(&neutralise(&contract.summary()), FIELD_LIMIT);
        fields.push(("Contract".into(), summary, false));
    }
    for d in card.details.iter().take(DETAIL_FIELDS) {
        // The whole answer is in the transcript (`/tickets`, `tickets show`).
        let value = cut(&neutralise(&d.value), DETAIL_VALUE_LIMIT);
        fields.push((d.need.staff_label().into(), value, false));
    }
    if !suggested.is_empty() {
        fields.push((
            "Already suggested".into(),
            cut(&suggested, FIELD_LIMIT),
            false,
        ));
    }
    let title = format!("Ticket #{}", card.ticket);
    // Discord refuses an embed of more than 6,000 characters in all: what
    // the customer wrote gets what the fields leave.
    let used: usize = title.chars().count()
        + fields
            .iter()
            .map(|(n, v, _)| n.chars().count() + v.chars().count())
            .sum::<usize>();
    let mut embed = CreateEmbed::new().title(title).color(color);
    for (name, value, inline) in fields {
        embed = embed.field(name, value, inline);
    }
    if !wrote.is_empty() {
        let room = EMBED_TOTAL_LIMIT
            .saturating_sub(used)
            .min(EMBED_DESCRIPTION_LIMIT);
        embed = embed.description(cut(&wrote, room));
    }
    embed
}

/// The card's buttons: *Claim* while the ticket waits (the rest are slash commands).
pub fn card_rows(card: &Card) -> Vec<CreateActionRow> {
    let buttons: Vec<CreateButton> = card
        .buttons
        .iter()
        .filter(|b| **b == StaffButton::Claim)
        .map(|_| {
            CreateButton::new(
                ButtonId::new(custom_id::ButtonAction::Claim, card.ticket.0).to_string(),
            )
            .label("Claim")
            .style(ButtonStyle::Primary)
        })
        .collect();
    rows(buttons)
}

/// `text` cut to `limit` characters, with an ellipsis when cut.
fn cut(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(limit.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Detail, Person, Reason, Suggested, ThreadRef};
    use crate::knowledge::{ContractLevel, ContractTerms};

    #[test]
    fn a_card_with_everything_at_its_longest_stays_within_discords_embed_limit() {
        let long = "x".repeat(4_000);
        let card = Card {
            ticket: TicketId(7),
            thread: ThreadRef("discord:1".into()),
            customer: Person::new("discord:2", "y".repeat(80)),
            status: CardStatus::Resolved {
                by: Person::new("discord:3", "Sam"),
                note: long.clone(),
            },
            reason: Reason::FixDidNotHelp,
            customer_wrote: vec![long.clone(), long.clone()],
            suggested: vec![
                Suggested {
                    entry_id: "e".repeat(200),
                    title: "t".repeat(300),
                    feedback: None,
                };
                10
            ],
            opened_at: chrono::Utc::now(),
            contract: Some(ContractTerms {
                id: "c".into(),
                customer: "z".repeat(2_000),
                level: ContractLevel::Vollwartung,
                includes: Vec::new(),
                response_minutes: 60,
                resolution_minutes: 600,
            }),
            details: Need::ALL
                .iter()
                .map(|need| Detail {
                    need: *need,
                    value: long.clone(),
                })
                .collect(),
            buttons: Vec::new(),
        };
        let embed = serde_json::to_value(card_embed(&card, "<#1>")).unwrap();
        let text = |v: &serde_json::Value| v.as_str().map_or(0, |s| s.chars().count());
        let fields: usize = embed["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| text(&f["name"]) + text(&f["value"]))
            .sum();
        let total = text(&embed["title"]) + text(&embed["description"]) + fields;
        assert!(total <= 6_000, "{total}");
        assert!(text(&embed["description"]) > 0);
    }
}
