"""Directives from above (上级指令): issued once, delivered to every community below, tracked to the last."""
