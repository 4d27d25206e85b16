//! A TCP proxy on a random loopback port in front of the test PostgreSQL,
//! so a test can cut the database away from the bot and bring it back: cut,
//! every open connection is closed and new ones are closed as soon as they
//! are accepted (the client sees its connection reset, as when the server
//! or the network goes away); restored, connections pass again.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A running proxy; dropping it stops it.
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

#[derive(Default)]
struct Shared {
    cut: AtomicBool,
    pipes: Mutex<Vec<JoinHandle<()>>>,
}

impl Proxy {
    /// Forwards a random loopback port to `target`.
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding loopback");
        let addr = listener.local_addr().expect("a local address");
        let shared = Arc::new(Shared::default());
        let accepting = shared.clone();
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if accepting.cut.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let pipe = tokio::spawn(pipe(client, target));
                let mut pipes = accepting.pipes.lock().unwrap();
                pipes.retain(|p| !p.is_finished());
                pipes.push(pipe);
            }
        });
        Proxy {
            addr,
            shared,
            accept,
        }
    }

    /// The port clients connect to.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Cuts the database away: open connections close, new ones are refused.
    pub fn cut(&self) {
        self.shared.cut.store(true, Ordering::SeqCst);
        for pipe in self.shared.pipes.lock().unwrap().drain(..) {
            pipe.abort();
        }
    }

    /// Lets connections through again.
    pub fn restore(&self) {
        self.shared.cut.store(false, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

async fn pipe(mut client: TcpStream, target: SocketAddr) {
    let Ok(mut server) = TcpStream::connect(target).await else {
        return;
    };
    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
}
