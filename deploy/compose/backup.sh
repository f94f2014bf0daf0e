#!/bin/sh
# Every day at BACKUP_AT (UTC): pg_dump of thidua, temporal and temporal_visibility in the custom format
# (restore with pg_restore, docs/deploy.md), kept BACKUP_KEEP_DAYS days. Copy /backups off the host.
set -eu
: "${BACKUP_AT:=01:30}" "${BACKUP_KEEP_DAYS:=14}"
until pg_isready -q; do sleep 2; done
while true; do
  now=$(date -u +%s)
  next=$(date -u -d "$(date -u +%F) ${BACKUP_AT}" +%s)
  [ "$next" -le "$now" ] && next=$((next + 86400))
  sleep $((next - now))
  stamp=$(date -u +%Y%m%dT%H%MZ)
  for db in thidua temporal temporal_visibility; do
    if pg_dump -Fc -d "$db" -f "/backups/$db-$stamp.dump.partial"; then
      mv "/backups/$db-$stamp.dump.partial" "/backups/$db-$stamp.dump"
      echo "backup: $db-$stamp.dump"
    else
      echo "backup FAILED: $db" >&2
      rm -f "/backups/$db-$stamp.dump.partial"
    fi
  done
  find /backups -name '*.dump' -mtime +"$BACKUP_KEEP_DAYS" -delete
done
