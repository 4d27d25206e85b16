-- A conversation's tickets, newest first (staff commands in its thread).
CREATE INDEX tickets_by_conversation ON tickets (conversation_id, id);
