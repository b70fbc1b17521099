"""Sensor alerts (IoT devices with credentials of their own): folded into incidents, alarming the
on-duty worker of the grid at once."""
