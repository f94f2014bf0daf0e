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
# Search attributes (Keyword): ThiduaUnit, ThiduaAwardForm, ThiduaStatus, ThiduaPlan. They are
# registered so the Temporal UI can filter by them; the workflows do not set them yet (docs/deploy.md).
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
for name in ThiduaUnit ThiduaAwardForm ThiduaStatus ThiduaPlan; do
  temporal operator search-attribute create --namespace "$NS" --name "$name" --type Keyword \
    || echo "search attribute $name exists"
done
echo "namespace $NS ready (retention $RETENTION)"
