-- The customer's maintenance contract as it stood when a ticket was opened
-- (JSON: id, customer, level, includes, response and resolution minutes);
-- NULL without one. Its promised response time drives the reminders.
ALTER TABLE tickets ADD COLUMN contract TEXT;
-- The details staff need that the customer gave before the ticket opened
-- (JSON: a list of need and value); NULL when none were asked.
ALTER TABLE tickets ADD COLUMN details TEXT;
