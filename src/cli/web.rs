//! `frontline web`: the staff desk in a browser, on `[web] addr`; and
//! `frontline web-login NAME`: a one-time sign-in link for it, for someone
//! at the machine. `frontline run` serves the same desk (see `[web]
//! in_run`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono::Utc;

use crate::adapters::discord::DiscordConfig;
use crate::adapters::web::{self, Desk, StaffCheck};
use crate::brain::LiveBrain;
use crate::cli::settings::Settings;
use crate::domain::Person;
use crate::engine::Engine;
use crate::store::{SqlStore, WebStaff};

/// Arguments of `web`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The FAQ directory (default: the configured one).
    #[arg(long)]
    pub faq: Option<PathBuf>,
    /// Where to listen (default: `[web] addr`).
    #[arg(long)]
    pub addr: Option<String>,
}

/// Arguments of `web-login`.
#[derive(Debug, clap::Args)]
pub struct LoginArgs {
    /// Your name, as customers and colleagues will see it.
    pub name: String,
}

pub fn run(settings: &Settings, args: Args) -> anyhow::Result<ExitCode> {
    let brain = super::start_brain(settings, args.faq)?;
    let mut web = settings.web.clone();
    let args_addr = args.addr.clone();
    if let Some(addr) = args.addr {
        web.addr = addr;
    }
    super::block_on(async {
        let store = super::open_store(settings).await?;
        let engine = Arc::new(super::start_engine(brain.clone(), store.clone(), settings).await?);
        let listener = tokio::net::TcpListener::bind(&web.addr)
            .await
            .with_context(|| format!("serving the desk on {}", web.addr))?;
        let _watch = brain
            .watch(Duration::from_millis(settings.reload_debounce_ms))
            .inspect_err(|e| tracing::warn!(error = %e, "not watching the FAQ for changes"));
        let login = match &args_addr {
            Some(addr) if settings.web.public_url.trim().is_empty() => {
                format!("FRONTLINE_WEB__ADDR={addr} frontline web-login NAME")
            }
            _ => "frontline web-login NAME".to_string(),
        };
        eprintln!(
            "frontline web: the desk is on {} (sign in with `{login}`)",
            web.public_url()
        );
        let desk = desk(settings, web, engine, brain, &store, staff_check(settings)?);
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        web::serve(listener, Arc::new(desk), shutdown).await?;
        Ok(ExitCode::SUCCESS)
    })
}

/// The desk's parts, its staff checked by `staff`.
pub(super) fn desk(
    settings: &Settings,
    web: web::WebSettings,
    engine: Arc<Engine>,
    brain: Arc<LiveBrain>,
    store: &SqlStore,
    staff: StaffCheck,
) -> Desk {
    Desk {
        engine,
        brain,
        store: store.clone(),
        staff,
        settings: web,
        default_lang: settings.default_lang.0,
    }
}

/// Who the desk lets in: on a Discord setup (a token and the Discord
/// settings usable) members signed in from Discord are checked for the
/// staff role; else only links made at the machine.
fn staff_check(settings: &Settings) -> anyhow::Result<StaffCheck> {
    Ok(match DiscordConfig::load(&settings.discord) {
        Ok(config) => discord_staff(&config)?,
        Err(e) => {
            // Without Discord only links made at the machine get in; on a
            // Discord setup that is worth a warning.
            let why = "the desk cannot check the Discord staff role: members signed in from Discord are refused";
            if settings.discord.staff_role.is_some() {
                tracing::warn!(reason = %e, "{why}");
            } else {
                tracing::info!(reason = %e, "{why}");
            }
            StaffCheck::terminal_only()
        }
    })
}

/// Members are checked for `config`'s staff role through Discord's API.
pub(super) fn discord_staff(config: &DiscordConfig) -> anyhow::Result<StaffCheck> {
    let http = crate::adapters::discord::connect::http(config)
        .context("building the HTTP client for Discord")?;
    Ok(StaffCheck::discord(Arc::new(http), config.staff_role))
}

pub fn login(settings: &Settings, args: LoginArgs) -> anyhow::Result<ExitCode> {
    let name = args.name.trim();
    if name.is_empty() || name.chars().any(char::is_control) {
        eprintln!("frontline web-login: give your name, e.g. `frontline web-login berta`");
        return Ok(ExitCode::from(2));
    }
    super::block_on(async {
        let store = super::open_store(settings).await?;
        let staff = WebStaff {
            person: Person::new(format!("console:{name}"), name),
            guild: None,
        };
        let link = web::auth::make_link(
            &store,
            &settings.web.public_url(),
            &staff,
            settings.web.link_minutes,
            Utc::now(),
        )
        .await?;
        println!("{link}");
        eprintln!(
            "Open it within {} minutes; it works once.",
            settings.web.link_minutes
        );
        Ok(ExitCode::SUCCESS)
    })
}
