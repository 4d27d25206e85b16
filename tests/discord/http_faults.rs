//! The fake's planned failures as serenity's HTTP client sees them: with the
//! rate limiter off (any base URL but Discord's), a 429 or a 500 comes back
//! as `HttpError::UnsuccessfulRequest` with its status, and nothing is
//! retried, so the bot's outbox has to.

use serenity::all::{ChannelId, CreateMessage};
use serenity::http::{HttpError, StatusCode};

use frontline::adapters::discord::connect;
use frontline::adapters::discord::failure::Failure;

use crate::bot::config_for;
use crate::fake::FakeDiscord;
use crate::fake::recorder::Fault;

fn status_of(result: serenity::Result<serenity::all::Message>) -> (StatusCode, isize) {
    match result {
        Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(response))) => {
            (response.status_code, response.error.code)
        }
        other => panic!("expected an unsuccessful request, got {other:?}"),
    }
}

fn failure_of(result: serenity::Result<serenity::all::Message>) -> Failure {
    Failure::of(&result.expect_err("a failure"))
}

#[tokio::test]
async fn a_429_and_a_500_reach_the_caller_with_their_status_and_are_not_retried() {
    let fake = FakeDiscord::start().await;
    let http = connect::http(&config_for(&fake)).expect("http client");
    let channel = ChannelId::new(fake.world().support.id);
    let pattern = "POST /channels/*/messages";
    fake.fail_next(pattern, 1, Fault::RateLimited { retry_after: 0.25 });
    fake.fail_next(pattern, 1, Fault::ServerError);
    let send = || channel.send_message(&http, CreateMessage::new().content("hello"));

    let (status, code) = status_of(send().await);
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        code, -1,
        "serenity cannot read Discord's 429 body (it has no code)"
    );
    let limited = fake.next_call(pattern).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.response["retry_after"], 0.25);

    let (status, code) = status_of(send().await);
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(code, 0);
    assert_eq!(fake.next_call(pattern).await.status, 500);

    fake.fail_next(pattern, 1, Fault::RateLimited { retry_after: 0.25 });
    fake.fail_next(pattern, 1, Fault::ServerError);
    let rate_limited = Failure::Retry { status: Some(429) };
    assert_eq!(failure_of(send().await), rate_limited);
    assert_eq!(
        failure_of(send().await),
        Failure::Retry { status: Some(500) }
    );
    for _ in 0..2 {
        fake.next_call(pattern).await;
    }

    let message = send().await.expect("the last try goes through");
    assert_eq!(message.content, "hello");
    assert_eq!(fake.next_call(pattern).await.status, 200);
    fake.assert_no_more(pattern);
}

#[tokio::test]
async fn a_429_carries_the_retry_after_header_and_body_discord_documents() {
    let fake = FakeDiscord::start().await;
    let channel = fake.world().support.id;
    let pattern = format!("POST /channels/{channel}/messages");
    fake.fail_next(&pattern, 1, Fault::RateLimited { retry_after: 1.5 });
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("{}/api/v10/channels/{channel}/messages", fake.url());
    let send = || {
        client
            .post(&url)
            .header("content-type", "application/json")
            .body(r#"{"content": "hi"}"#)
            .send()
    };

    let limited = send().await.expect("an answer");
    assert_eq!(limited.status(), 429);
    assert_eq!(
        limited.headers()["retry-after"],
        "2",
        "whole seconds, rounded up"
    );
    let body: serde_json::Value = serde_json::from_slice(&limited.bytes().await.unwrap()).unwrap();
    assert_eq!(body["retry_after"], 1.5);
    assert_eq!(body["global"], false);
    assert_eq!(
        send().await.expect("an answer").status(),
        200,
        "only the next call"
    );
}

#[tokio::test]
async fn a_closed_port_is_a_retryable_failure() {
    let fake = FakeDiscord::start().await;
    let mut config = config_for(&fake);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    config.api_base =
        frontline::adapters::discord::settings::ApiBase::Custom(closed.parse().unwrap());
    let http = connect::http(&config).expect("http client");
    let result = ChannelId::new(1).say(&http, "hello?").await;
    assert_eq!(failure_of(result), Failure::Retry { status: None });
}

#[tokio::test]
async fn unknown_ids_answer_as_discord_does_and_are_permanent_failures() {
    let fake = FakeDiscord::start().await;
    let http = connect::http(&config_for(&fake)).expect("http client");
    let nowhere = ChannelId::new(42);
    let (status, code) = status_of(nowhere.say(&http, "anyone?").await);
    assert_eq!((status, code), (StatusCode::NOT_FOUND, 10003));
    let permanent = Failure::Permanent {
        status: 404,
        code: 10003,
    };
    assert_eq!(failure_of(nowhere.say(&http, "anyone?").await), permanent);
    fake.next_call("POST /channels/42/messages").await;
    assert_eq!(
        fake.next_call("POST /channels/42/messages").await.status,
        404
    );
}
