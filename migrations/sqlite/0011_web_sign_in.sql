-- The staff desk in a browser (`frontline web`): one-time sign-in links and
-- the sessions they start. Only sha256 digests of the link tokens and
-- session ids are kept, so a copy of the database signs nobody in.
CREATE TABLE web_links (
    token_hash  TEXT PRIMARY KEY,
    person_id   TEXT NOT NULL,
    person_name TEXT NOT NULL,
    guild_id    TEXT,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);

CREATE TABLE web_sessions (
    id_hash     TEXT PRIMARY KEY,
    person_id   TEXT NOT NULL,
    person_name TEXT NOT NULL,
    guild_id    TEXT,
    csrf        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
