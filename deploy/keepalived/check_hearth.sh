#!/bin/sh
# keepalived health check: exit 0 while the local Hearth can serve (/readyz answers 200), else 1.
# A draining Hearth (SIGTERM) answers 503 and so hands the virtual IP over before it stops.
# Usage: check_hearth.sh [URL]   (default http://127.0.0.1:8080/readyz)
url="${1:-http://127.0.0.1:8080/readyz}"
if command -v curl >/dev/null 2>&1; then
  exec curl -fsS -o /dev/null --max-time 2 "$url"
fi
exec node -e 'fetch(process.argv[1],{signal:AbortSignal.timeout(2000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$url"
