//! Integration tests of the Discord side, through the real serenity client
//! and a fake Discord on loopback.

mod bot;
mod events;
mod fake;
mod fake_self_test;
mod http_faults;
mod proof;
mod rest_shapes;
