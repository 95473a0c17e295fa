"""問い合わせ — questions to the secretariat (or the city's logo office), answered in threads."""
