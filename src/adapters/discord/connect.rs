//! Building serenity's HTTP client and `ClientBuilder` from a checked
//! [`DiscordConfig`]: Discord itself with serenity's rate limiter, or any
//! other base URL (a fake on loopback, a proxy) with the rate limiter off,
//! because serenity's rate limiter ignores the base URL and would talk to
//! discord.com. Loopback is never sent through an HTTP proxy from the
//! environment. Which events the client handles is not decided here.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::Url;
use serenity::all::{ClientBuilder, GatewayIntents, Http, HttpBuilder};

use super::mentions::no_pings;
use super::settings::{ApiBase, DiscordConfig};

/// How long one HTTP request to Discord may take in all.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting to Discord may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The HTTP client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("building the HTTP client for Discord")]
pub struct ConnectError(#[from] reqwest::Error);

/// The gateway intents the bot needs: guild and DM messages with their content.
pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILDS
        | GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT
}

/// serenity's HTTP client for `config`; by default no message pings anyone.
pub fn http(config: &DiscordConfig) -> Result<Http, ConnectError> {
    let token = config.token.expose();
    let builder = HttpBuilder::new(token).default_allowed_mentions(no_pings());
    let builder = match &config.api_base {
        ApiBase::Discord => builder.client(reqwest_client(false)?),
        ApiBase::Custom(url) => builder
            .client(reqwest_client(is_loopback(url))?)
            .proxy(url.as_str().trim_end_matches('/'))
            .ratelimiter_disabled(true),
    };
    Ok(builder.build())
}

/// A serenity `ClientBuilder` for `config`, ready for an event handler.
pub fn client_builder(
    config: &DiscordConfig,
    intents: GatewayIntents,
) -> Result<ClientBuilder, ConnectError> {
    Ok(ClientBuilder::new_with_http(http(config)?, intents))
}

fn reqwest_client(skip_proxies: bool) -> Result<reqwest::Client, reqwest::Error> {
    let builder = reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT);
    let builder = if skip_proxies {
        builder.no_proxy()
    } else {
        builder
    };
    builder.build()
}

/// Whether `url` points at this machine (where an HTTP proxy cannot help).
fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn loopback_hosts_are_recognised() {
        for url in [
            "http://127.0.0.1:1",
            "http://localhost:8080",
            "http://[::1]:9",
            "http://127.8.0.1",
        ] {
            assert!(is_loopback(&Url::parse(url).unwrap()), "{url}");
        }
        for url in [
            "https://discord.com",
            "http://10.0.0.1",
            "http://example.org",
        ] {
            assert!(!is_loopback(&Url::parse(url).unwrap()), "{url}");
        }
    }

    /// A config pointing at `url` (the token does not matter off Discord).
    fn config_at(url: &str) -> DiscordConfig {
        let settings = super::super::DiscordSettings {
            api_base_url: url.to_owned(),
            dms: true,
            staff_channel: Some(serenity::all::ChannelId::new(1)),
            staff_role: Some(serenity::all::RoleId::new(2)),
            ..Default::default()
        };
        DiscordConfig::from_settings(&settings, Some("t".to_owned())).expect("valid")
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's closures return figment::Error
    fn loopback_is_reached_directly_even_with_a_proxy_in_the_environment() {
        figment::Jail::expect_with(|jail| {
            for var in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
                jail.set_env(var, "http://127.0.0.1:9"); // nothing listens there
            }
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let url = runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let base = format!("http://{}", listener.local_addr().unwrap());
                let app = axum::Router::new().route(
                    "/api/v10/gateway",
                    axum::routing::get(|| async { axum::Json(json!({"url": "ws://loopback"})) }),
                );
                tokio::spawn(async move { axum::serve(listener, app).await });
                let http = http(&config_at(&base)).expect("client");
                http.get_gateway().await.map(|g| g.url)
            });
            assert_eq!(
                url.expect("the fake answered, not the proxy"),
                "ws://loopback"
            );
            Ok(())
        });
    }
}
