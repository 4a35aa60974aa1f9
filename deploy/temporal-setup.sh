#!/bin/sh
# One-shot: creates Parley's Temporal namespace and its search attributes.
# Safe to re-run: existing ones are left as they are.
set -eu

ADDR="${TEMPORAL_ADDRESS:-temporal:7233}"
NS="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_RETENTION:-7d}"
ATTRS="OrgId CampaignId JourneyId Channel ConversationStatus Outcome"

t() { temporal "$@" --address "$ADDR"; }

# Retries a command up to $1 times, a second apart.
retry() {
  limit=$1; shift; n=0
  until "$@"; do
    n=$((n + 1))
    if [ "$n" -ge "$limit" ]; then echo "gave up after ${limit}s: $*" >&2; return 1; fi
    sleep 1
  done
}

retry 120 t operator cluster health

ensure_namespace() {
  t operator namespace describe --namespace "$NS" >/dev/null 2>&1 ||
    t operator namespace create --namespace "$NS" --retention "$RETENTION"
}
retry 30 ensure_namespace

# The server skips names that already exist with the same type, so this is
# idempotent; it is retried because a new namespace takes a few seconds to
# reach the frontend's cache.
set --
for a in $ATTRS; do set -- "$@" --name "$a" --type Keyword; done
retry 60 t operator search-attribute create --namespace "$NS" "$@"

# Wait until they are listed, so the API's first workflow start can use them.
listed() { t operator search-attribute list --namespace "$NS" | grep -qw "$1"; }
for a in $ATTRS; do retry 60 listed "$a"; done
echo "namespace $NS ready with search attributes: $ATTRS"
