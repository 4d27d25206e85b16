-- Conversations, their events, tickets, answers and the outbox (PostgreSQL).

CREATE TABLE conversations (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    thread           TEXT NOT NULL UNIQUE,
    customer_id      TEXT NOT NULL,
    customer_name    TEXT NOT NULL,
    lang             TEXT NOT NULL,
    status           TEXT NOT NULL,
    state            TEXT NOT NULL,
    ticket_id        BIGINT,
    opened_at        TIMESTAMPTZ NOT NULL,
    last_activity_at TIMESTAMPTZ NOT NULL,
    notice_sent_at   TIMESTAMPTZ,
    version          BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX conversations_quiet ON conversations (status, last_activity_at);

CREATE TABLE tickets (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id  BIGINT NOT NULL REFERENCES conversations (id),
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
    rating           BIGINT,
    opened_at        TIMESTAMPTZ NOT NULL,
    waiting_since    TIMESTAMPTZ NOT NULL,
    first_claimed_at TIMESTAMPTZ,
    resolved_at      TIMESTAMPTZ,
    ping_level       BIGINT NOT NULL DEFAULT 0,
    UNIQUE (source_platform, source_id)
);
CREATE UNIQUE INDEX tickets_one_open_per_conversation
    ON tickets (conversation_id) WHERE state <> 'resolved';
CREATE INDEX tickets_waiting ON tickets (state, waiting_since);

CREATE TABLE events (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    ticket_id       BIGINT REFERENCES tickets (id),
    at              TIMESTAMPTZ NOT NULL,
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
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    entry_id        TEXT NOT NULL,
    title           TEXT NOT NULL,
    kind            TEXT NOT NULL,
    via             TEXT NOT NULL,
    question        TEXT NOT NULL,
    confidence      DOUBLE PRECISION NOT NULL,
    lang            TEXT NOT NULL,
    given_at        TIMESTAMPTZ NOT NULL,
    feedback        TEXT,
    feedback_at     TIMESTAMPTZ
);

CREATE TABLE outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    route           TEXT NOT NULL,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    conversation_id BIGINT,
    created_at      TIMESTAMPTZ NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    lease_until     TIMESTAMPTZ,
    delivered_at    TIMESTAMPTZ,
    failed_at       TIMESTAMPTZ,
    last_error      TEXT
);
CREATE INDEX outbox_pending ON outbox (route, id)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
