//! A fake Discord on a random loopback port that the real serenity client
//! talks to: REST under `/api/v10`, the gateway at `/gateway`. Tests script
//! what people do (a customer writes, someone presses a button or runs a
//! slash command), then wait for what the bot did with [`FakeDiscord::next_call`],
//! which fails loudly with every call recorded so far. The fake can also be
//! told to answer 429 or 500, or to drop the gateway connection. Like
//! Discord, it tells the client about what the bot itself did: a message the
//! bot posts comes back as MESSAGE_CREATE, an edit as MESSAGE_UPDATE, a new
//! thread as THREAD_CREATE (not for ephemeral messages).
//!
//! - [`world`]: the scripted guild, channels and people;
//! - [`payloads`]: complete JSON for messages, threads and interactions;
//! - [`recorder`]: the record of calls, waits, planned faults (besides REST
//!   calls it holds `GATEWAY /identify|resume|connect` from the client,
//!   `DISPATCH /KIND` sent by the fake, and `CLIENT /KIND` for each dispatch
//!   serenity parsed, as the test's guard reports it);
//! - `script`: what people do (write, post in the forum, press, run a command);
//! - `gateway`, `rest`, `channels`, `interactions`, `store`: the server.

pub mod channels;
mod gateway;
mod interactions;
pub mod payloads;
pub mod recorder;
mod rest;
mod script;
mod store;
pub mod world;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use recorder::{Call, Fault, Recorder, WAIT};
use store::Store;
use world::{Snowflakes, World};

/// Everything the server's handlers share.
pub struct Shared {
    /// The scripted world.
    pub world: World,
    /// The record of calls.
    pub recorder: Recorder,
    gateway: gateway::Gateway,
    store: Mutex<Store>,
    ids: Snowflakes,
    addr: SocketAddr,
}

impl Shared {
    /// The gateway's URL, as `GET /gateway` answers it.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/gateway", self.addr)
    }

    /// Tells the client about a message the bot made or changed, as Discord
    /// does (`t` is MESSAGE_CREATE or MESSAGE_UPDATE); ephemeral messages stay quiet.
    fn echo_message(&self, t: &str, message: &Value) {
        if message["flags"].as_u64().unwrap_or(0) & EPHEMERAL != 0 {
            return;
        }
        let mut m = message.clone();
        if m.get("guild_id").is_some() {
            m["member"] = payloads::member(&self.world.bot, false);
        }
        self.gateway.dispatch(self, t, m);
    }

    /// Tells the client about a thread (`t` is THREAD_CREATE or THREAD_UPDATE).
    fn echo_thread(&self, t: &str, thread: &Value) {
        let mut d = thread.clone();
        if let Some(d) = d.as_object_mut() {
            d.remove("message");
            if t == "THREAD_CREATE" {
                d.insert("newly_created".to_owned(), Value::Bool(true));
            }
        }
        self.gateway.dispatch(self, t, d);
    }
}

/// The `EPHEMERAL` message flag.
const EPHEMERAL: u64 = 64;

struct Server(JoinHandle<()>);

impl Drop for Server {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A running fake Discord; clones share it, the last one stops it.
#[derive(Clone)]
pub struct FakeDiscord {
    shared: Arc<Shared>,
    _server: Arc<Server>,
}

/// An interaction the fake sent: what the bot's answer must refer to.
#[derive(Debug, Clone)]
pub struct Sent {
    /// Interaction id.
    pub id: u64,
    /// Interaction token.
    pub token: String,
}

impl FakeDiscord {
    /// Starts the fake on a random loopback port.
    pub async fn start() -> FakeDiscord {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding loopback");
        let shared = Arc::new(Shared {
            world: World::default(),
            recorder: Recorder::default(),
            gateway: gateway::Gateway::default(),
            store: Mutex::default(),
            ids: Snowflakes::default(),
            addr: listener.local_addr().unwrap(),
        });
        let app = rest::router(shared.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("the fake Discord stopped");
        });
        FakeDiscord {
            shared,
            _server: Arc::new(Server(server)),
        }
    }

    /// The base URL to give the bot (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// The scripted world.
    pub fn world(&self) -> &World {
        &self.shared.world
    }

    /// Sends a gateway dispatch (queued until a client is there).
    pub fn dispatch(&self, t: &str, d: Value) {
        self.shared.gateway.dispatch(&self.shared, t, d);
    }

    /// The earliest call matching `pattern` (`"POST /channels/*/messages"`) not
    /// returned before; panics with the whole record after 30 s.
    pub async fn next_call(&self, pattern: &str) -> Call {
        self.shared.recorder.next_call(pattern, WAIT).await
    }

    /// The bot's next response to interaction `sent` (its callback).
    pub async fn callback(&self, sent: &Sent) -> Call {
        self.next_call(&Self::callback_route(sent)).await
    }

    /// The route of interaction `sent`'s callback.
    pub fn callback_route(sent: &Sent) -> String {
        format!("POST /interactions/{}/{}/callback", sent.id, sent.token)
    }

    /// Panics if a call matching `pattern` is recorded and was not returned before.
    pub fn assert_no_more(&self, pattern: &str) {
        self.shared.recorder.assert_no_more(pattern);
    }

    /// Every call so far that matches `pattern`, returned before or not.
    pub fn matching(&self, pattern: &str) -> Vec<Call> {
        self.shared.recorder.matching(pattern)
    }

    /// Answers the next `times` calls matching `pattern` with `fault`.
    pub fn fail_next(&self, pattern: &str, times: usize, fault: Fault) {
        self.shared.recorder.plan(pattern, times, fault);
    }

    /// Drops the gateway connection without a close frame; false if none was live.
    pub fn drop_gateway(&self) -> bool {
        self.shared.gateway.drop_connection()
    }

    /// Makes the next Resume fail, so the client must identify afresh.
    pub fn refuse_next_resume(&self) {
        self.shared.gateway.refuse_next_resume();
    }

    /// Notes that the client parsed and handled dispatch `kind` (recorded as `CLIENT /KIND`).
    pub fn client_saw(&self, kind: &str) {
        self.shared.recorder.record(Call {
            method: "CLIENT".to_owned(),
            path: format!("/{kind}"),
            query: None,
            body: Value::Null,
            status: 0,
            response: Value::Null,
        });
    }

    /// Notes a problem that fails every wait (used by the serenity guard).
    pub fn report_problem(&self, problem: String) {
        self.shared.recorder.report_problem(problem);
    }

    /// The message with `id` as the fake now holds it.
    pub fn message(&self, id: u64) -> Option<Value> {
        self.shared.store.lock().unwrap().message(id).cloned()
    }

    /// The messages in channel `id` as the fake now holds them, oldest first.
    pub fn messages_in(&self, id: u64) -> Vec<Value> {
        self.shared.store.lock().unwrap().messages_in(id)
    }

    /// The thread with `id` as the fake now holds it.
    pub fn thread(&self, id: u64) -> Option<Value> {
        self.shared.store.lock().unwrap().thread(id).cloned()
    }
}
