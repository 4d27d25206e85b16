-- Messages an adapter posted for a record that may change later (a ticket's
-- staff card), so that a change edits the message instead of posting anew.
CREATE TABLE posted_messages (
    key        TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL,
    message_id TEXT NOT NULL
);
