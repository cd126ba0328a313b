-- projects is kept in signed-date order (sql/derive/03_projects.sql); an incremental write
-- appends its projects at the end, out of that order. This counts them, so that the
-- writer puts the table back in order once they are a good part of it (warehouse.build).
-- duckdb 1.5 cannot add a column with a constraint in one statement
alter table derive_state add column unordered_projects bigint default 0;
alter table derive_state alter column unordered_projects set not null;
