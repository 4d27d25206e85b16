//! The terminal bot as a user runs it: `frontline chat` and `frontline
//! staff` driven through pipes against one SQLite file, a crash between
//! a committed change and its delivery, a hostile customer's text on the
//! staff desk, and input no one means to type.

#[path = "../support/hostile.rs"]
mod hostile;

mod chat_and_staff;
mod crash;
mod inert;
mod notices;
mod odd_input;
mod terminal;
