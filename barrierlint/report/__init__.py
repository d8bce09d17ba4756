"""Reporters: one module per output format, each turning located findings into text."""
