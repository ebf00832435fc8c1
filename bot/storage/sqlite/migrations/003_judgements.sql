-- What the grader found beyond covered and missed: concepts only named in a list, concepts the answer denied,
-- and wrong claims (misconceptions, as [{"claim": ..., "correction": ...}]). Rows from before read as none.
ALTER TABLE results ADD COLUMN named TEXT NOT NULL DEFAULT '[]';
ALTER TABLE results ADD COLUMN contradicted TEXT NOT NULL DEFAULT '[]';
ALTER TABLE results ADD COLUMN misconceptions TEXT NOT NULL DEFAULT '[]';
