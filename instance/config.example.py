# Copy to instance/config.py and adjust. Environment variables FLASK_* override these,
# and DATABASE_URL selects the database.
# DATABASE_URL = "postgresql://forumdesk@127.0.0.1:5432/forumdesk"
# SESSION_COOKIE_SECURE = True  # behind HTTPS
# LOGIN_MAX_FAILURES = 5
# LOGIN_WINDOW_MINUTES = 15
# LOGIN_MAX_FAILURES_PER_ADDRESS = 50  # failed logins from one address, any account
# RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/0"  # login counts shared by every worker
# PROXY_FIX_X_FOR = 1  # behind one reverse proxy: take the client address from X-Forwarded-For
