"""一表通 through the gateway: one report of a division and the units below it, assembled from
each service's own statistics endpoint; its XLSX export; and data down (peers, a resident's facts)."""
