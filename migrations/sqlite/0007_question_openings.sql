-- The thread each customer's latest question in a place (a support channel)
-- opened, and when: further messages soon after join it (SQLite).
CREATE TABLE question_openings (
    place       TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    thread      TEXT NOT NULL,
    opened_at   TEXT NOT NULL,
    PRIMARY KEY (place, customer_id)
);
