-- Who holds an outbox row's lease: a restarted process takes back the rows
-- it held when it stopped instead of waiting for their leases to run out.
ALTER TABLE outbox ADD COLUMN leased_by TEXT;
