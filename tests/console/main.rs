//! The terminal bot as a user runs it: `frontline chat` and `frontline
//! staff` driven through pipes against one SQLite file, a crash between
//! a committed change and its delivery, and input no one means to type.

mod chat_and_staff;
mod crash;
mod odd_input;
mod terminal;
