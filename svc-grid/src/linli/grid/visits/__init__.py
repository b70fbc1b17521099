"""Patrols and visits (巡查 / 走访) by grid workers: findings, photos, and who is overdue a visit."""
