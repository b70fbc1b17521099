"""Places below the community: grids (网格), courts, buildings, units and dwellings (苑区/楼栋/单元/户)."""
