"""The city's KPI: registered entities inside Kumamoto City against the target."""
