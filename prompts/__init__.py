"""Jinja2 templates shipped with agentfn (loaded as package data)."""
