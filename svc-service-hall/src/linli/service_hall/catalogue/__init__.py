"""The service catalogue (办事事项): items, their versions, public reads."""
