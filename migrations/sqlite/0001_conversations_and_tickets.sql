-- Conversations, their events, tickets, answers and the outbox (SQLite).
-- Times are RFC 3339 text in UTC, which sorts like the instants it names.

CREATE TABLE conversations (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    thread           TEXT NOT NULL UNIQUE,
    customer_id      TEXT NOT NULL,
    customer_name    TEXT NOT NULL,
    lang             TEXT NOT NULL,
    status           TEXT NOT NULL,
    state            TEXT NOT NULL,
    ticket_id        INTEGER,
    opened_at        TEXT NOT NULL,
    last_activity_at TEXT NOT NULL,
    notice_sent_at   TEXT,
    version          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX conversations_quiet ON conversations (status, last_activity_at);

CREATE TABLE tickets (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id  INTEGER NOT NULL REFERENCES conversations (id),
    source_platform  TEXT NOT NULL,
    source_id        TEXT NOT NULL,
    reason           TEXT NOT NULL,
    customer_wrote   TEXT NOT NULL,
    suggested        TEXT NOT NULL,
    state            TEXT NOT NULL,
    claimed_by_id    TEXT,
    claimed_by_name  TEXT,
    resolved_by_id   TEXT,
    resolved_by_name TEXT,
    resolution       TEXT,
    rating           INTEGER,
    opened_at        TEXT NOT NULL,
    waiting_since    TEXT NOT NULL,
    first_claimed_at TEXT,
    resolved_at      TEXT,
    ping_level       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (source_platform, source_id)
);
CREATE UNIQUE INDEX tickets_one_open_per_conversation
    ON tickets (conversation_id) WHERE state <> 'resolved';
CREATE INDEX tickets_waiting ON tickets (state, waiting_since);

CREATE TABLE events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    ticket_id       INTEGER REFERENCES tickets (id),
    at              TEXT NOT NULL,
    actor           TEXT NOT NULL,
    actor_id        TEXT,
    actor_name      TEXT,
    kind            TEXT NOT NULL,
    text            TEXT NOT NULL,
    source_platform TEXT,
    source_id       TEXT
);
CREATE UNIQUE INDEX events_source ON events (source_platform, source_id);
CREATE INDEX events_conversation ON events (conversation_id, id);

CREATE TABLE answers (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    entry_id        TEXT NOT NULL,
    title           TEXT NOT NULL,
    kind            TEXT NOT NULL,
    via             TEXT NOT NULL,
    question        TEXT NOT NULL,
    confidence      REAL NOT NULL,
    lang            TEXT NOT NULL,
    given_at        TEXT NOT NULL,
    feedback        TEXT,
    feedback_at     TEXT
);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    route           TEXT NOT NULL,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    conversation_id INTEGER,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    lease_until     TEXT,
    delivered_at    TEXT,
    failed_at       TEXT,
    last_error      TEXT
);
CREATE INDEX outbox_pending ON outbox (route, id)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
