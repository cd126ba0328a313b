-- 研判意见: what a monthly review meeting (研判会) decided per project, entered afterwards
-- (/digest). The latest entry of a month and project counts, so a correction is a new row
-- and nothing is overwritten; an empty decision withdraws the entry.
create table review_decisions (
    month date not null,                -- first day of the month the review pack was for
    project_key varchar not null,
    project_name varchar not null,
    unit_id varchar,
    reason varchar,                     -- why the project was reviewed, as the pack said
    decision varchar not null,
    responsible varchar,                -- 责任单位及责任人
    due varchar,                        -- 完成时限, as the meeting said it (a date or 「6月底前」)
    entered_at timestamp not null,
    entered_by varchar not null
);
