"""Export of a division's residents to CSV, streamed; masked unless a worker reveals, audited."""
