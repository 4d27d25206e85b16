-- Threads made for a record (a ticket's DM relay) are found from the
-- channel a message arrives in.
CREATE INDEX posted_messages_by_channel ON posted_messages (channel_id);
