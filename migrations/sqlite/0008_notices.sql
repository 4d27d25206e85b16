-- Notices staff published with the staff command (SQLite): maintenance
-- windows and outages kept without git. Services and symptoms are JSON
-- arrays of strings; ending a notice moves its end to that moment.
CREATE TABLE notices (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    starts_at       TEXT NOT NULL,
    ends_at         TEXT NOT NULL,
    services        TEXT NOT NULL,
    symptoms        TEXT NOT NULL,
    text_en         TEXT,
    text_de         TEXT,
    published_by    TEXT NOT NULL,
    published_at    TEXT NOT NULL
);
