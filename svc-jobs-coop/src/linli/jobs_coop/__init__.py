"""jobs cooperative (社区合作社): labour pool, enterprises, work orders, settlement and training."""
