"""Yearly progress reports on key actions (取組状況報告)."""
