"""Channels render engine turns; they hold no guidance logic."""
