"""The division tree: city → district → street → community, imported from CSV."""
