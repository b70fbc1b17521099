"""Households and residents (一户一表); this slice creates them from approved registrations."""
