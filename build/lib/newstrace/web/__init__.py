"""The web UI: the dossier's views over the live store, with search, filters and upload.

Server-rendered Jinja2 (autoescaped; the dossier's partial templates are reused)
plus one small vendored script (``static/app.js``) that polls a job's progress.
"""

from newstrace.web.views import mount_web

__all__ = ["mount_web"]
