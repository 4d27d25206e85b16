-- The latest interaction token of each platform user (Discord's answer
-- private follow-ups for 15 minutes), so that whichever instance delivers a
-- private notice can send it, also after the instance that received the
-- interaction stopped.
CREATE TABLE interaction_tokens (
    user_id     TEXT PRIMARY KEY,
    token       TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);
