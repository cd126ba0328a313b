-- projects is kept in signed-date order (sql/derive/03_projects.sql); an incremental write
-- appends its projects at the end, out of that order. This counts them, so that the
-- writer puts the table back in order once they are a good part of it (warehouse.build).
alter table derive_state add column unordered_projects bigint not null default 0;
