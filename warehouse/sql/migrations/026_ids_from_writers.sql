-- Writers allocate ids themselves (db.next_id): a DuckLake warehouse has no sequences, and
-- both backends run one writer at a time.
alter table loads alter column load_id drop default;
alter table nil_reports alter column nil_report_id drop default;
alter table lead_transfers alter column transfer_id drop default;
drop sequence load_id_seq;
drop sequence nil_report_id_seq;
drop sequence transfer_id_seq;
