"""service hall (一站式服务大厅): one-stop hall, appointments, canteen, feedback and deliberation."""
