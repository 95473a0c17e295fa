"""Organisations: the companies, groups and sole proprietors that apply, and their members."""
