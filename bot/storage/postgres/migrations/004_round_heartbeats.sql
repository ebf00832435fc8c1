-- Work in progress on a round (posting its question, posting its reveal) carries a heartbeat: the time the process
-- doing it last said it was still at it. A pending or revealing round whose heartbeat is older than the lease was
-- left by a process that stopped, and another one takes the work over; it writes its name into the round, so the
-- process it took the work from, if merely slow, sees before sending anything that the round is not its any more.
ALTER TABLE rounds ADD COLUMN heartbeat_at timestamptz;
ALTER TABLE rounds ADD COLUMN worker text;
UPDATE rounds SET heartbeat_at = COALESCE(revealed_at, opened_at);
CREATE INDEX rounds_in_progress ON rounds (heartbeat_at) WHERE state IN ('pending', 'revealing');
