-- The data date ("数据截至") every view shows.
select as_of from v_as_of;
