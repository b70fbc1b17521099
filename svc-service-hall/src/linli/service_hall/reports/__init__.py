"""我要反映 (report a problem): a resident's report, the grid incident it becomes, its rating."""
