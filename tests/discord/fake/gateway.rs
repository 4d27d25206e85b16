//! The fake gateway: the WebSocket serenity's shard talks to. It says Hello
//! (op 10), acknowledges every heartbeat (op 1 → op 11), answers Identify
//! (op 2) with READY and Resume (op 6) with the missed dispatches and RESUMED,
//! then sends dispatches with increasing sequence numbers. Dispatches sent
//! while no client is connected wait: in the session log for a Resume, or
//! until the first READY. A test can drop the connection abruptly (the client
//! must reconnect) or make the next Resume fail (op 9, so the client
//! identifies afresh).

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::Shared;
use super::payloads;
use super::recorder::Call;

/// What the connection task is told to do.
enum Out {
    Frame(Value),
    Drop,
}

/// A gateway session: what a Resume can pick up.
struct Session {
    id: String,
    seq: u64,
    log: Vec<Value>,
}

/// The gateway's state, shared by every connection.
#[derive(Default)]
pub struct Gateway {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    session: Option<Session>,
    live: Option<mpsc::UnboundedSender<Out>>,
    pending: Vec<(String, Value)>,
    refuse_resume: bool,
    sessions: u64,
}

fn gateway_call(path: &str, body: Value) -> Call {
    Call {
        method: "GATEWAY".to_owned(),
        path: path.to_owned(),
        query: None,
        body,
        status: 0,
        response: Value::Null,
    }
}

fn dispatch_call(t: &str, d: &Value, seq: u64) -> Call {
    Call {
        method: "DISPATCH".to_owned(),
        path: format!("/{t}"),
        query: None,
        body: d.clone(),
        status: seq as u16,
        response: Value::Null,
    }
}

impl Gateway {
    /// Sends (or queues) dispatch `t` with data `d`.
    pub fn dispatch(&self, shared: &Shared, t: &str, d: Value) {
        let mut inner = self.inner.lock().unwrap();
        let Inner {
            session,
            live,
            pending,
            ..
        } = &mut *inner;
        match session {
            Some(session) => send_logged(shared, session, live.as_ref(), t, d),
            None => pending.push((t.to_owned(), d)),
        }
    }

    /// Closes the live connection without a close frame, as a network failure would.
    pub fn drop_connection(&self) -> bool {
        match self.inner.lock().unwrap().live.take() {
            Some(live) => live.send(Out::Drop).is_ok(),
            None => false,
        }
    }

    /// Makes the next Resume fail with op 9 (not resumable).
    pub fn refuse_next_resume(&self) {
        self.inner.lock().unwrap().refuse_resume = true;
    }

    fn identify(&self, shared: &Shared, tx: &mpsc::UnboundedSender<Out>) {
        let mut inner = self.inner.lock().unwrap();
        inner.sessions += 1;
        let id = format!("fake-session-{}", inner.sessions);
        let mut session = Session {
            id: id.clone(),
            seq: 0,
            log: Vec::new(),
        };
        let ready = ready(shared, &id);
        send_logged(shared, &mut session, Some(tx), "READY", ready);
        for (t, d) in std::mem::take(&mut inner.pending) {
            send_logged(shared, &mut session, Some(tx), &t, d);
        }
        inner.session = Some(session);
        inner.live = Some(tx.clone());
    }

    fn resume(&self, shared: &Shared, tx: &mpsc::UnboundedSender<Out>, d: &Value) {
        let mut inner = self.inner.lock().unwrap();
        let refuse = std::mem::take(&mut inner.refuse_resume);
        let Inner { session, live, .. } = &mut *inner;
        let known = session
            .as_mut()
            .filter(|s| d["session_id"] == s.id.as_str());
        match known {
            Some(session) if !refuse => {
                let from = d["seq"].as_u64().unwrap_or(0);
                for frame in session.log.iter().filter(|f| f["s"].as_u64() > Some(from)) {
                    let _ = tx.send(Out::Frame(frame.clone()));
                }
                send_logged(shared, session, Some(tx), "RESUMED", json!({}));
                *live = Some(tx.clone());
            }
            _ => {
                *session = None;
                let _ = tx.send(Out::Frame(json!({"op": 9, "d": false})));
            }
        }
    }

    fn disconnected(&self, tx: &mpsc::UnboundedSender<Out>) {
        let mut inner = self.inner.lock().unwrap();
        if inner.live.as_ref().is_some_and(|l| l.same_channel(tx)) {
            inner.live = None;
        }
    }
}

fn send_logged(
    shared: &Shared,
    session: &mut Session,
    live: Option<&mpsc::UnboundedSender<Out>>,
    t: &str,
    d: Value,
) {
    session.seq += 1;
    let frame = json!({"op": 0, "s": session.seq, "t": t, "d": d});
    shared.recorder.record(dispatch_call(t, &d, session.seq));
    session.log.push(frame.clone());
    if let Some(live) = live {
        let _ = live.send(Out::Frame(frame));
    }
}

fn ready(shared: &Shared, session_id: &str) -> Value {
    let world = &shared.world;
    let mut user = payloads::user(&world.bot);
    user["verified"] = json!(true);
    user["mfa_enabled"] = json!(false);
    user["flags"] = json!(0);
    json!({
        "v": 10,
        "user": user,
        "guilds": [],
        "session_id": session_id,
        "resume_gateway_url": shared.ws_url(),
        "shard": [0, 1],
        "application": {"id": world.application_id.to_string(), "flags": 0},
    })
}

/// `GET /gateway`: the WebSocket upgrade.
pub async fn upgrade(ws: WebSocketUpgrade, State(shared): State<Arc<Shared>>) -> Response {
    ws.on_upgrade(move |socket| connection(socket, shared))
}

async fn connection(mut socket: WebSocket, shared: Arc<Shared>) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    shared
        .recorder
        .record(gateway_call("/connect", Value::Null));
    let _ = tx.send(Out::Frame(
        json!({"op": 10, "d": {"heartbeat_interval": 41250}}),
    ));
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => on_client(&shared, &tx, text.as_str()),
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            out = rx.recv() => match out {
                Some(Out::Frame(frame)) => {
                    if socket.send(Message::Text(frame.to_string().into())).await.is_err() {
                        break;
                    }
                }
                Some(Out::Drop) | None => break,
            },
        }
    }
    shared.gateway.disconnected(&tx);
}

fn on_client(shared: &Shared, tx: &mpsc::UnboundedSender<Out>, text: &str) {
    let Ok(frame) = serde_json::from_str::<Value>(text) else {
        shared
            .recorder
            .report_problem(format!("the client sent no JSON: {text}"));
        return;
    };
    match frame["op"].as_u64() {
        Some(1) => {
            let _ = tx.send(Out::Frame(json!({"op": 11})));
        }
        Some(2) => {
            shared
                .recorder
                .record(gateway_call("/identify", frame["d"].clone()));
            shared.gateway.identify(shared, tx);
        }
        Some(6) => {
            shared
                .recorder
                .record(gateway_call("/resume", frame["d"].clone()));
            shared.gateway.resume(shared, tx, &frame["d"]);
        }
        other => shared
            .recorder
            .record(gateway_call(&format!("/op{other:?}"), frame)),
    }
}
