"""Appointments (预约): calendars per service point and service, materialised slots, bookings that
never exceed a slot's capacity, cancellation until a cut-off, check-in, no-show and reminders."""
