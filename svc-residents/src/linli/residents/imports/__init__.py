"""Bulk import of households and residents from CSV or XLSX: validated, all or nothing."""
