-- 研判意见 on project $project_key, for its dossier: the latest entry of each review month,
-- newest month first, withdrawn ones left out.
select month, reason, decision, responsible, due, entered_by, entered_at
from review_decisions
where project_key = $project_key
qualify row_number() over (partition by month order by entered_at desc) = 1
    and decision <> ''
order by month desc;
