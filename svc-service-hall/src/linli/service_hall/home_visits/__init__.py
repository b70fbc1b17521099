"""Door-to-door visits (上门办) for residents who cannot come to the hall."""
