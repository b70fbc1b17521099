"""Monthly reports of a fund: income by source, spending by project, as JSON and CSV."""
