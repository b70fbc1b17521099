"""Campaigns (全员排查 / 入户核查): every household of a scope reached, and the gaps shown."""
