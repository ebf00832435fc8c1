-- Review reminders: when the reminder job last ran (so a restart neither skips a window nor goes back further), and
-- the reminders sent, one per member and local day at most, claimed before sending (so none is sent twice).
CREATE TABLE job_marks (
    name TEXT PRIMARY KEY,
    at TEXT NOT NULL                         -- UTC ISO: the end of the last window the job handled
) WITHOUT ROWID;

CREATE TABLE review_reminders (
    platform TEXT NOT NULL,
    guild_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    day TEXT NOT NULL,                       -- the member's local date the reminder was for
    sent_at TEXT NOT NULL,
    PRIMARY KEY (platform, guild_id, member_id, day)
) WITHOUT ROWID;
