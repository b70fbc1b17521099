"""未来教育, the elder college: terms, courses with sessions, choices within the rules, allocation
by a lottery with a recorded seed, and attendance per session."""
