-- Round robin writes only what a pick changes. A rep's current weight in a
-- territory is now `current + rr_round.rounds × weight`: the territory's
-- pick count is kept once, in rr_round, instead of adding every eligible
-- rep's weight to its row on every pick (a pick in a territory of 1,000
-- reps rewrote 1,000 rows). `weight` is the weight the row was written
-- for, so a change of weight keeps the rep's current weight; NULL marks a
-- row written before this change, whose `current` is the whole current
-- weight (rounds start at 0, so every existing row reads the same).
ALTER TABLE rr_state ADD COLUMN weight int;

CREATE TABLE rr_round (
    scope  text PRIMARY KEY,
    rounds bigint NOT NULL
);
