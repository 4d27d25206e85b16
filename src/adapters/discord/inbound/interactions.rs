//! Button presses. Each is acknowledged at once with a deferred update (well
//! within Discord's 3 seconds), its `custom_id` parsed (a forged or garbled
//! one gets an ephemeral "no longer active") and handed to the engine as it
//! is ([`Pressed::Id`]): whether it still acts, and whether the presser may
//! press it, is the engine's to decide and to tell them. A *Claim* from
//! someone without the staff role gets an ephemeral refusal. When the
//! engine took the press, the message loses its buttons so it cannot be
//! pressed twice; while the database is away the press waits for it, and
//! the presser is told. *Still broken* under a fix whose staff need details
//! the customer has not given (the engine's `form_for_press`) is answered
//! with a form instead, and the form's answers become [`Inbound::Details`]. Also:
//! the latest interaction token of each user, through which the engine's
//! private notices reach them.

use std::sync::Arc;

use chrono::Utc;

use serenity::all::{
    ActionRowComponent, Builder as _, ComponentInteraction, Context, CreateInteractionResponse,
    CreateInteractionResponseFollowup, CreateModal, EditInteractionResponse, ModalInteraction,
};

use super::custom_id::{ButtonAction, ButtonId};
use super::handler::Handler;
use super::ids::{is_staff, person, source_key, thread_ref};
use super::mentions::no_pings;
use super::render;
use crate::domain::{Detail, Inbound, Pressed, StaffCommand, TicketId};
use crate::intake::Handled;
use crate::knowledge::Need;
use crate::store::{SqlStore, StoreError};

/// What someone pressing an outdated or unknown button reads.
pub const NO_LONGER_ACTIVE: &str = "This is no longer active.";
/// What someone reads whose press waits for the database: it acts as soon
/// as the database is back, so the button does not look dead meanwhile.
pub const PRESS_WAITS: &str = "Noted. I cannot record it right now; it takes effect as soon as I can, usually within a minute.";
/// What someone reads whose press was lost (the backlog is full, or it
/// failed): to be pressed again.
pub const NOT_RECORDED: &str = "I cannot record that right now; please press it again in a minute.";
/// What someone without the staff role reads when trying staff things.
pub const STAFF_ONLY: &str = "Only support staff can do that.";

/// How long deciding whether a press gets a form may take before the press
/// is acknowledged as usual (Discord allows 3 seconds for either).
const FORM_LOOKUP: std::time::Duration = std::time::Duration::from_millis(1_500);

/// How long Discord accepts follow-ups through an interaction's token
/// (15 minutes), with a margin for clocks and delivery.
const TOKEN_LIFETIME_MINUTES: i64 = 14;

/// The latest interaction token of each user (`discord:<id>`), kept in the
/// store so that any instance can answer privately.
pub struct Interactions(Arc<SqlStore>);

impl Interactions {
    /// Tokens kept in `store`.
    pub fn new(store: Arc<SqlStore>) -> Self {
        Interactions(store)
    }

    /// Remembers `token`, received now, as `user`'s latest interaction.
    pub async fn remember(&self, user: &str, token: &str) {
        if let Err(e) = self.0.record_interaction(user, token, Utc::now()).await {
            tracing::warn!(error = %e, "remembering an interaction token");
        }
    }

    /// The latest interaction token of `user` that is still valid.
    pub async fn token_of(&self, user: &str) -> Result<Option<String>, StoreError> {
        let since = Utc::now() - chrono::Duration::minutes(TOKEN_LIFETIME_MINUTES);
        self.0.interaction_token(user, since).await
    }
}

impl Handler {
    pub(crate) async fn on_press(&self, ctx: &Context, press: &ComponentInteraction) {
        // *Still broken* under a fix whose staff need details the customer
        // has not given: the answer to the press is a form asking for them.
        // Bounded: Discord wants an answer to the press within 3 seconds.
        let form = tokio::time::timeout(FORM_LOOKUP, self.details_form(press)).await;
        if let Ok(Some(form)) = form {
            match press
                .create_response(&ctx.http, CreateInteractionResponse::Modal(form))
                .await
            {
                Ok(()) => return,
                Err(e) if super::commands::already_answered(&e) => return,
                // The press goes on without a form: the bot asks in the thread.
                Err(e) => tracing::warn!(error = %e, "showing the details form"),
            }
        }
        // Acknowledged here, not through the outbox: Discord wants it within
        // 3 seconds, and a late acknowledgement is worthless.
        if let Err(e) = press
            .create_response(&ctx.http, CreateInteractionResponse::Acknowledge)
            .await
        {
            if super::commands::already_answered(&e) {
                // The same press again (a re-sent INTERACTION_CREATE).
                return;
            }
            self.metrics.discord_error("acknowledge");
            tracing::warn!(error = %e, "acknowledging a button press");
        }
        let by = person(&press.user);
        self.interactions.remember(&by.id.0, &press.token).await;
        let Ok(id) = press.data.custom_id.parse::<ButtonId>() else {
            return tell(ctx, &press.token, NO_LONGER_ACTIVE).await;
        };
        let source = source_key(press.id);
        let event = if id.action == ButtonAction::Claim {
            // The one thing checked here: the platform's staff role.
            if !is_staff(press.member.as_ref(), self.config.staff_role) {
                return tell(ctx, &press.token, STAFF_ONLY).await;
            }
            Inbound::Staff {
                source,
                ticket: TicketId(id.id),
                staff: by,
                command: StaffCommand::Claim,
            }
        } else {
            Inbound::Press {
                source,
                thread: thread_ref(press.channel_id),
                by,
                button: Pressed::Id {
                    action: id.action,
                    record: id.id,
                },
                offer: id.offer,
            }
        };
        match self.handle(&event).await {
            // A customer's press the engine took: the message loses its
            // buttons (a claim's card is updated by the engine instead).
            Handled::Done(outcome) if outcome.is_taken() && id.action != ButtonAction::Claim => {
                let edit = EditInteractionResponse::new().components(vec![]);
                if let Err(e) = press.edit_response(&ctx.http, edit).await {
                    tracing::warn!(error = %e, "removing the buttons of a pressed message");
                }
            }
            // Refused or repeated: the engine told the presser why.
            Handled::Done(_) => {}
            Handled::Waiting { .. } => tell(ctx, &press.token, PRESS_WAITS).await,
            Handled::Refused | Handled::Failed => tell(ctx, &press.token, NOT_RECORDED).await,
        }
    }

    /// The form for the details staff need, if `press` is the customer's
    /// active *Still broken* and the engine wants details first.
    async fn details_form(&self, press: &ComponentInteraction) -> Option<CreateModal> {
        let id = press.data.custom_id.parse::<ButtonId>().ok()?;
        let thread = thread_ref(press.channel_id);
        let by = person(&press.user);
        let pressed = (id.action, id.id, id.offer);
        let (wanted, lang) = self
            .engine
            .form_for_press(&thread, &by, pressed)
            .await
            .ok()??;
        Some(render::details_form(id.to_string(), &wanted, lang))
    }

    /// The customer sent the details form: the ticket opens with what they
    /// wrote, and the message loses its buttons.
    pub(crate) async fn on_form(&self, ctx: &Context, form: &ModalInteraction) {
        if let Err(e) = form
            .create_response(&ctx.http, CreateInteractionResponse::Acknowledge)
            .await
        {
            if super::commands::already_answered(&e) {
                return;
            }
            tracing::warn!(error = %e, "acknowledging a form");
        }
        let by = person(&form.user);
        self.interactions.remember(&by.id.0, &form.token).await;
        let pressed = form
            .data
            .custom_id
            .parse::<ButtonId>()
            .ok()
            .filter(|id| id.action == ButtonAction::StillBroken);
        let Some(pressed) = pressed else {
            return tell(ctx, &form.token, NO_LONGER_ACTIVE).await;
        };
        let details = form
            .data
            .components
            .iter()
            .flat_map(|row| &row.components)
            .filter_map(|c| match c {
                ActionRowComponent::InputText(input) => Some(Detail {
                    need: input.custom_id.parse::<Need>().ok()?,
                    value: input.value.clone().unwrap_or_default(),
                }),
                _ => None,
            })
            .collect();
        let event = Inbound::Details {
            source: source_key(form.id),
            thread: thread_ref(form.channel_id),
            by,
            details,
            offer: pressed.offer,
        };
        match self.handle(&event).await {
            Handled::Done(outcome) if outcome.is_taken() && form.message.is_some() => {
                let edit = EditInteractionResponse::new().components(vec![]);
                if let Err(e) = form.edit_response(&ctx.http, edit).await {
                    tracing::warn!(error = %e, "removing the buttons of a message");
                }
            }
            Handled::Done(_) => {}
            Handled::Waiting { .. } => tell(ctx, &form.token, PRESS_WAITS).await,
            Handled::Refused | Handled::Failed => tell(ctx, &form.token, NOT_RECORDED).await,
        }
    }
}

/// Tells whoever sent the interaction with `token` (a press, a form),
/// privately, under it.
async fn tell(ctx: &Context, token: &str, text: &str) {
    let notice = CreateInteractionResponseFollowup::new()
        .ephemeral(true)
        .content(text)
        .allowed_mentions(no_pings());
    if let Err(e) = notice.execute(&ctx.http, (None, token)).await {
        tracing::warn!(error = %e, "sending a private notice");
    }
}
