"""未来邻里: community activities with capacity, a waiting list and check-in; clubs with members."""
