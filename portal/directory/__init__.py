"""The public directory of registrants (登録事業者一覧) and its open data."""
