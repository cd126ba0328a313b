-- Header -> field mappings an uploader confirmed for a reporting unit (/upload's 列对应),
-- applied to that unit's next uploads. One row per load, unit and header; the latest row
-- of an active load counts, so rolling a load back forgets what it confirmed.
create table header_mappings (
    unit_id varchar not null,
    header varchar not null,          -- the header as written in the file
    field varchar not null,           -- a field name, or 'not_imported'
    confirmed_by varchar not null,
    confirmed_at timestamp not null,
    load_id integer not null
);
