#!/bin/sh
# thidua's namespace and its custom search attributes. Safe to run again.
# Environment: TEMPORAL_ADDRESS, THIDUA_TEMPORAL_NAMESPACE, TEMPORAL_NAMESPACE_RETENTION.
#
# Retention (how long a CLOSED workflow's history is kept): 2560 days, about 7 years. The movement
# runs to 2030 and its final review (tổng kết 2030) looks back at every award since 2023; a dossier
# closed in early 2024 must still show its workflow history at that review, in early 2031. The
# durable record is PostgreSQL (read model, audit); this keeps the Temporal UI and the history page
# whole for the movement's life. Size: ~20 000 nominations a year x ~150 events is a few GB.
#
# Search attributes (Name=Type, as workflows/search_attributes.py defines them; a test compares the two).
# The workflows set them (a nomination's unit, award form and status; a plan's code), so the Temporal
# UI can filter by them. Temporal refuses a workflow that sets an attribute it does not know: run this
# script BEFORE deploying a release whose workflows set a new one (docs/deploy.md, upgrade notes).
set -eu
NS=${THIDUA_TEMPORAL_NAMESPACE:-thidua}
RETENTION=${TEMPORAL_NAMESPACE_RETENTION:-2560d}
export TEMPORAL_ADDRESS
until temporal operator cluster health >/dev/null 2>&1; do
  echo "waiting for Temporal at $TEMPORAL_ADDRESS"; sleep 2
done
if temporal operator namespace describe --namespace "$NS" >/dev/null 2>&1; then
  temporal operator namespace update --namespace "$NS" --retention "$RETENTION"
else
  temporal operator namespace create --namespace "$NS" --retention "$RETENTION" \
    --description "thidua: đề nghị khen thưởng phong trào thi đua"
fi
SEARCH_ATTRIBUTES="ThiduaUnit=Keyword ThiduaAwardForm=Keyword ThiduaStatus=Keyword ThiduaPlan=Keyword"
# A namespace just created takes a few seconds to be known everywhere: try until each is listed.
for attribute in $SEARCH_ATTRIBUTES; do
  name=${attribute%%=*}
  type=${attribute#*=}
  tries=0
  until temporal operator search-attribute list --namespace "$NS" 2>/dev/null \
      | grep -Eq "^[[:space:]]*$name[[:space:]]+$type[[:space:]]*$"; do
    tries=$((tries + 1))
    if [ "$tries" -gt 30 ]; then
      echo "search attribute $name ($type) could not be registered in $NS" >&2; exit 1
    fi
    temporal operator search-attribute create --namespace "$NS" --name "$name" --type "$type" >/dev/null 2>&1 || sleep 2
  done
  echo "search attribute $name ($type) registered"
done
echo "namespace $NS ready (retention $RETENTION)"
