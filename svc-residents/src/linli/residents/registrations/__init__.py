"""Self-registration (自主登记) from the mini-program and its review by community workers."""
