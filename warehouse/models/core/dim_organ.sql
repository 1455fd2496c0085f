-- Grain: one row per organ of the network vocabulary (organ).
with final as (
    select code as organ, label from ref.organ
)
select * from final
