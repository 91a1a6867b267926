# Copy to instance/config.py and adjust. Environment variables FLASK_* override these,
# and DATABASE_URL selects the database.
# DATABASE_URL = "postgresql://forumdesk@127.0.0.1:5432/forumdesk"
# SESSION_COOKIE_SECURE = True  # behind HTTPS
# LOGIN_MAX_FAILURES = 5
# LOGIN_WINDOW_MINUTES = 15
# LOGIN_MAX_FAILURES_PER_ADDRESS = 50  # failed logins from one address, any account
# RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/0"  # login counts shared by every worker
# PROXY_FIX_X_FOR = 1  # behind one reverse proxy: take the client address from X-Forwarded-For
# Mail about programme changes (without MAIL_SERVER: .eml files in instance/outbox/)
# MAIL_SERVER = "smtp.example.org"
# MAIL_PORT = 587
# MAIL_USE_TLS = True
# MAIL_USERNAME = "desk@example.org"
# MAIL_PASSWORD = "..."
# MAIL_DEFAULT_SENDER = "Forum Desk <desk@example.org>"
# PUBLIC_BASE_URL = "https://desk.example.org/"  # links in messages and feeds
# MAIL_COALESCE_SECONDS = 120  # changes to one session within this window: one message
