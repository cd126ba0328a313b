-- The overrides a file was read with ({"kind", "period", "money_unit"}, null: as
-- detected), so that `python -m warehouse rebuild` reads the archived original alike.
-- Null for loads recorded before this column existed.
alter table loads add column read_options varchar;
