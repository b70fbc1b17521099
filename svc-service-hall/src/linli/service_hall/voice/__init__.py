"""What the residents' voice (reports, proposals, announcements) shares: text, people, photos."""
