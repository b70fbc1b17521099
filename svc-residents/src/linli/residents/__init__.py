"""Linli residents registry (一户一表): the division tree, self-registration, households and residents."""
