"""Django's PostgreSQL backend, tuned: selected by settings for every PostgreSQL DATABASE_URL."""
