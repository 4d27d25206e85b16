-- Which notices were announced in the announcement channel: once per notice
-- and start, whichever instance gets there first.
CREATE TABLE notice_announcements (
    notice_id    TEXT NOT NULL,
    starts_at    TIMESTAMPTZ NOT NULL,
    announced_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (notice_id, starts_at)
);
