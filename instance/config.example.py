# Copy to instance/config.py and adjust. Environment variables FLASK_* override these,
# and DATABASE_URL selects the database.
# DATABASE_URL = "postgresql://forumdesk@127.0.0.1:5432/forumdesk"
# SESSION_COOKIE_SECURE = True  # behind HTTPS
# LOGIN_MAX_FAILURES = 5
# LOGIN_WINDOW_MINUTES = 15
