"""Service points (便民服务中心): halls serving communities, their opening hours and counters."""
