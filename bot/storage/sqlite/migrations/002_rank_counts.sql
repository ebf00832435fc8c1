-- Member statistics read a member's coverage per category from the index alone, not from each result row.
DROP INDEX results_by_member;
CREATE INDEX results_by_member ON results (platform, guild_id, member_id, category, coverage);

-- How many members stand at each score of each leaderboard period, and in each band of 256 points (points >> 8).
-- A caller's rank is the members in higher bands plus those above them in their own band, and a period's member
-- count is the sum of its bands: neither read grows with the number of members. The triggers below keep both
-- tables exactly in step with totals, whatever writes to it, and drop a score or band once nobody holds it.
CREATE TABLE totals_scores (
    platform TEXT NOT NULL,
    guild_id TEXT NOT NULL,
    period TEXT NOT NULL,
    points INTEGER NOT NULL,
    members INTEGER NOT NULL,
    PRIMARY KEY (platform, guild_id, period, points)
) WITHOUT ROWID;

CREATE TABLE totals_bands (
    platform TEXT NOT NULL,
    guild_id TEXT NOT NULL,
    period TEXT NOT NULL,
    band INTEGER NOT NULL,                   -- points >> 8
    members INTEGER NOT NULL,
    PRIMARY KEY (platform, guild_id, period, band)
) WITHOUT ROWID;

INSERT INTO totals_scores (platform, guild_id, period, points, members)
SELECT platform, guild_id, period, points, COUNT(*) FROM totals GROUP BY platform, guild_id, period, points;

INSERT INTO totals_bands (platform, guild_id, period, band, members)
SELECT platform, guild_id, period, points >> 8, COUNT(*) FROM totals GROUP BY platform, guild_id, period, points >> 8;

CREATE TRIGGER totals_counted AFTER INSERT ON totals
BEGIN
    INSERT INTO totals_scores (platform, guild_id, period, points, members)
    VALUES (NEW.platform, NEW.guild_id, NEW.period, NEW.points, 1)
    ON CONFLICT DO UPDATE SET members = members + 1;
    INSERT INTO totals_bands (platform, guild_id, period, band, members)
    VALUES (NEW.platform, NEW.guild_id, NEW.period, NEW.points >> 8, 1)
    ON CONFLICT DO UPDATE SET members = members + 1;
END;

CREATE TRIGGER totals_recounted AFTER UPDATE ON totals
WHEN OLD.points IS NOT NEW.points OR OLD.period IS NOT NEW.period OR OLD.guild_id IS NOT NEW.guild_id
    OR OLD.platform IS NOT NEW.platform
BEGIN
    UPDATE totals_scores SET members = members - 1
    WHERE platform = OLD.platform AND guild_id = OLD.guild_id AND period = OLD.period AND points = OLD.points;
    DELETE FROM totals_scores
    WHERE platform = OLD.platform AND guild_id = OLD.guild_id AND period = OLD.period AND points = OLD.points
        AND members = 0;
    UPDATE totals_bands SET members = members - 1
    WHERE platform = OLD.platform AND guild_id = OLD.guild_id AND period = OLD.period AND band = OLD.points >> 8;
    DELETE FROM totals_bands
    WHERE platform = OLD.platform AND guild_id = OLD.guild_id AND period = OLD.period AND band = OLD.points >> 8
        AND members = 0;
    INSERT INTO totals_scores (platform, guild_id, period, points, members)
    VALUES (NEW.platform, NEW.guild_id, NEW.period, NEW.points, 1)
    ON CONFLICT DO UPDATE SET members = members + 1;
    INSERT INTO totals_bands (platform, guild_id, period, band, members)
    VALUES (NEW.platform, NEW.guild_id, NEW.period, NEW.points >> 8, 1)
    ON CONFLICT DO UPDATE SET members = members + 1;
END;

CREATE TRIGGER totals_uncounted AFTER DELETE ON totals
BEGIN
    UPDATE totals_scores SET members = members - 1
    WHERE platform = OLD.platform AND guild_id = OLD.guild_id AND period = OLD.period AND points = OLD.points;
    DELETE FROM totals_scores
    WHERE platform = OLD.platform AND guild_id = OLD.guild_id AND period = OLD.period AND points = OLD.points
        AND members = 0;
    UPDATE totals_bands SET members = members - 1
    WHERE platform = OLD.platform AND guild_id = OLD.guild_id AND period = OLD.period AND band = OLD.points >> 8;
    DELETE FROM totals_bands
    WHERE platform = OLD.platform AND guild_id = OLD.guild_id AND period = OLD.period AND band = OLD.points >> 8
        AND members = 0;
END;
