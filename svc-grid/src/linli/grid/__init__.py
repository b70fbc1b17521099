"""grid management (网格化管理): grids, the household roster, incidents, patrols, sensors, campaigns and directives."""
