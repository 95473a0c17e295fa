"""The certificate's issuer (title, name, seal), the registration mark (登録マーク) and the
ceremony print: every certificate of a decided cohort in one PDF, made in the background."""
