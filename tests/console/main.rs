//! The terminal bot as a user runs it: `frontline chat` and `frontline
//! staff` driven through pipes against one SQLite file, and a crash between
//! a committed change and its delivery.

mod chat_and_staff;
mod crash;
mod terminal;
