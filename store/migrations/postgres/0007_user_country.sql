-- The rep's country picks the holiday calendar of their own working days
-- (G3's calling hours are intersected with the rep's working hours).
ALTER TABLE users ADD COLUMN country TEXT NOT NULL DEFAULT '';
