"""Announcements (通知公告) of a community or any level above, to every unit below its target."""
